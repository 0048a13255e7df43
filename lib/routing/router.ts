import type { ModelSnapshot } from '../capacity/types.js';
import type { Config } from '../config/schema.js';
import { createAffinity } from './affinity.js';
import { createCost } from './cost.js';
import { splitCooling } from './eligible.js';
import { createLatency } from './latency.js';
import { createLeastLoaded } from './least-loaded.js';
import { createRoundRobin } from './round-robin.js';
import type { Ordering, Random, Router, RoutingRequest } from './types.js';
import { createWeighted } from './weighted.js';

export type { Router } from './types.js';

export type RouterConfig = Pick<Config['load_balancing'], 'strategy' | 'affinity_load_factor'>;

export interface RouterOptions {
  /** Uniform [0, 1) source for the randomized strategies; defaults to `Math.random`. */
  random?: Random;
}

/**
 * The router for `load_balancing.strategy`. Keep one per container: round robin keeps cursors and
 * affinity caches its hash ring. Every strategy puts cooling-down models last, soonest to recover
 * first (admission would refuse them, but when all are cooling down they are what is left).
 */
export function createRouter(cfg: RouterConfig, opts: RouterOptions = {}): Router {
  const ordering = strategyOrdering(cfg, opts.random ?? Math.random);
  return {
    order(request: RoutingRequest, candidates: readonly ModelSnapshot[], now: number): ModelSnapshot[] {
      const { ready, cooling } = splitCooling(candidates, now);
      return [...ordering.order(request, ready), ...cooling];
    },
  };
}

function strategyOrdering(cfg: RouterConfig, random: Random): Ordering {
  switch (cfg.strategy) {
    case 'round_robin':
      return createRoundRobin();
    case 'weighted':
      return createWeighted(random);
    case 'least_loaded':
      return createLeastLoaded(random);
    case 'latency':
      return createLatency();
    case 'cost':
      return createCost();
    case 'affinity':
      return createAffinity(cfg.affinity_load_factor, random);
  }
}
