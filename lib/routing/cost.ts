import type { ModelSnapshot } from '../capacity/types.js';
import { byLoad, loadOf, sortedBy } from './load.js';
import type { Ordering } from './types.js';

/**
 * Cheapest model that fits: ascending `cost_per_1k_tokens` among models with a free slot
 * (load < 1), then the full ones in the same order (a stale view may be wrong, so they stay
 * candidates). Equal costs by load.
 */
export function createCost(): Ordering {
  return {
    order(_request, ready: readonly ModelSnapshot[]): ModelSnapshot[] {
      return sortedBy(ready, byCost);
    },
  };
}

function byCost(a: ModelSnapshot, b: ModelSnapshot): number {
  return full(a) - full(b) || a.spec.cost_per_1k_tokens - b.spec.cost_per_1k_tokens || byLoad(a, b);
}

function full(s: ModelSnapshot): number {
  return loadOf(s) >= 1 ? 1 : 0;
}
