import type { ModelSnapshot } from '../capacity/types.js';
import type { Ordering, Random } from './types.js';

/**
 * Weighted random order without replacement (Efraimidis–Spirakis): each model draws the key
 * u^(1/weight) and the order is by descending key, so model i comes first with probability
 * weight_i / Σweight and each fallback position is again weighted among the rest.
 *
 * Why not nginx's smooth weighted round robin: its proportions hold per process, from a state that
 * starts equal in every container. Lambda runs many short-lived containers; those that start
 * together would walk the same sequence in lockstep and send their first requests to the same
 * model. Independent random draws need no state and spread across containers from the first call.
 */
export function createWeighted(random: Random): Ordering {
  return {
    order(_request, ready: readonly ModelSnapshot[]): ModelSnapshot[] {
      return ready
        .map((m) => ({ m, key: Math.pow(positive(random()), 1 / m.spec.weight) }))
        .sort((a, b) => b.key - a.key)
        .map((k) => k.m);
    },
  };
}

/** u in (0, 1): a zero would give every weight the same key. */
function positive(u: number): number {
  return u > 0 ? u : Number.MIN_VALUE;
}
