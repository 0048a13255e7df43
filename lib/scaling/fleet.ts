import type { ModelSnapshot } from '../capacity/types.js';
import { DEFAULT_SHARES, priorityLimit } from '../capacity/shares.js';
import type { PriorityShares } from '../capacity/shares.js';
import { PRIORITIES } from '../contracts/request.js';
import type { Priority } from '../contracts/request.js';

/**
 * Free slots the fleet has for each priority: the sum over models of (the priority's slot limit −
 * in-flight), models cooling down counting 0. With every share at 1 this is Σ (capacity −
 * in-flight); with the default shares low priority sees a full fleet while high still has the
 * headroom the shares keep for it — so low stops scaling first.
 */
export function freeSlots(
  models: readonly ModelSnapshot[],
  shares: PriorityShares = DEFAULT_SHARES,
  now: number = Date.now(),
): Record<Priority, number> {
  const free: Record<Priority, number> = { high: 0, medium: 0, low: 0 };
  for (const { spec, state } of models) {
    // A cooling-down model admits nothing: its idle slots are not capacity the pollers could use.
    if (state.cooldownUntil > now) continue;
    for (const p of PRIORITIES) {
      free[p] += Math.max(0, priorityLimit(spec.capacity, shares[p]) - state.inFlight);
    }
  }
  return free;
}
