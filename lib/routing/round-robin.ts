import type { ModelSnapshot } from '../capacity/types.js';
import { byId, sortedBy } from './load.js';
import type { Ordering, RoutingRequest } from './types.js';

/** Cursors kept per container; a fleet has few distinct candidate sets, this only guards a leak. */
const MAX_CURSORS = 1_000;

/**
 * Round robin: each call starts one step further along the candidates (sorted by id, so the
 * rotation does not depend on the order the store listed them). One cursor per task type and
 * candidate set, because different sets rotate independently.
 */
export function createRoundRobin(): Ordering {
  const cursors = new Map<string, number>();
  return {
    order(request: RoutingRequest, ready: readonly ModelSnapshot[]): ModelSnapshot[] {
      const sorted = sortedBy(ready, byId);
      if (sorted.length <= 1) return sorted;
      const key = `${request.task_type}|${sorted.map((m) => m.spec.id).join(',')}`;
      if (!cursors.has(key) && cursors.size >= MAX_CURSORS) cursors.clear();
      const cursor = cursors.get(key) ?? 0;
      cursors.set(key, (cursor + 1) % sorted.length);
      return [...sorted.slice(cursor), ...sorted.slice(0, cursor)];
    },
  };
}
