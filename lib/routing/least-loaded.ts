import type { ModelSnapshot } from '../capacity/types.js';
import { byLoad, loadOf, sortedBy } from './load.js';
import type { Ordering, Random } from './types.js';

/**
 * Least loaded with the power of two choices: sample two distinct candidates at random and put
 * the less loaded first (load = inFlight / capacity); the rest follow by ascending load.
 *
 * Why not simply the least loaded: many Lambda invocations route at once from snapshots that are
 * equally stale, so they would all see the same minimum and herd onto it, overfilling it while
 * the others idle. Two random choices keep most of the benefit of knowing loads (the most loaded
 * model is never first) while spreading concurrent decisions (Mitzenmacher, "The Power of Two
 * Choices in Randomized Load Balancing").
 */
export function createLeastLoaded(random: Random): Ordering {
  return {
    order(_request, ready: readonly ModelSnapshot[]): ModelSnapshot[] {
      return leastLoadedOrder(ready, random);
    },
  };
}

/** The power-of-two-choices order, shared with affinity's fallback. */
export function leastLoadedOrder(ready: readonly ModelSnapshot[], random: Random): ModelSnapshot[] {
  const n = ready.length;
  if (n <= 1) return [...ready];
  const i = pick(random, n);
  let j = pick(random, n - 1);
  if (j >= i) j += 1;
  const a = ready[i]!;
  const b = ready[j]!;
  // On equal load the first draw wins: that is random, so idle models share the traffic.
  const first = loadOf(b) < loadOf(a) ? b : a;
  return [first, ...sortedBy(ready.filter((m) => m !== first), byLoad)];
}

function pick(random: Random, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}
