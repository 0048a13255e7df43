import type { ModelSnapshot } from '../capacity/types.js';
import { byLoad, sortedBy } from './load.js';
import type { Ordering } from './types.js';

/**
 * Lowest latency first, by the EWMA of observed latency. A model with no observation yet (EWMA 0)
 * goes first so it gets measured; otherwise a new model would never be tried and never measured.
 * Equal latencies (and unmeasured models among themselves) by load.
 */
export function createLatency(): Ordering {
  return {
    order(_request, ready: readonly ModelSnapshot[]): ModelSnapshot[] {
      return sortedBy(ready, byLatency);
    },
  };
}

function byLatency(a: ModelSnapshot, b: ModelSnapshot): number {
  return rank(a) - rank(b) || byLoad(a, b);
}

/** Unmeasured ranks before any measurement. */
function rank(s: ModelSnapshot): number {
  return s.state.ewmaLatencyMs > 0 ? s.state.ewmaLatencyMs : -1;
}
