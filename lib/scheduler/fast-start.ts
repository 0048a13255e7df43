import { randomUUID } from 'node:crypto';
import type { EnqueueOutcome, QueueEntry } from '../queue/types.js';
import type { CallAssignment } from './call-event.js';
import type { SchedulerDeps } from './deps.js';
import { SNAPSHOT_MAX_AGE_MS, noteRefusal } from './dispatch.js';
import { effectivePriority } from './entry.js';
import { routeFor } from './selection.js';

export type FastStart =
  /** Leased and registered as running in one go: ring its doorbell. */
  | { kind: 'started'; assignment: CallAssignment }
  /** Registered before (a redelivery): nothing changed, the lease was given back. */
  | { kind: 'present'; outcome: Extract<EnqueueOutcome, { kind: 'present' }> }
  /** No model had room: register it as waiting. */
  | { kind: 'no_room' };

/**
 * The admission fast path, when the fleet has room (by a recent snapshot): lease a slot first,
 * then register the request already claimed (`enqueueClaimed`) — two writes, and the request never
 * sits in the waiting order, where nothing else waits while a model has room. Refused leases fall
 * back to the waiting path.
 */
export async function startAtOnce(deps: SchedulerDeps, entry: QueueEntry): Promise<FastStart> {
  const now = deps.clock.now();
  // Past its deadline, or not due: the waiting path answers it or waits.
  if (entry.deadline <= now || entry.notBefore > now) return { kind: 'no_room' };
  const fleet = await deps.snapshots.get(SNAPSHOT_MAX_AGE_MS);
  const priority = effectivePriority(entry, now, deps.config.scheduler.aging_ms);
  for (const model of routeFor(deps, entry, fleet, now)) {
    const out = await deps.store.acquire({ modelId: model.spec.id, priority, leaseId: randomUUID(), estimatedTokens: entry.estimatedTokens });
    if (!out.granted) {
      noteRefusal(deps, model, out, now);
      continue;
    }
    deps.snapshots.noteLeased(model.spec.id);
    const owner = `${deps.ownerId}/${randomUUID()}`;
    let registered: EnqueueOutcome;
    try {
      registered = await deps.queue.enqueueClaimed(entry, owner, deps.config.scheduler.claim_ttl_ms, now);
    } catch (err) {
      await deps.store.release(out.lease).catch(() => false);
      throw err;
    }
    if (registered.kind === 'present') {
      await deps.store.release(out.lease);
      return { kind: 'present', outcome: registered };
    }
    const dims = { model: model.spec.id, priority: entry.priority };
    deps.metrics.add('admitted', dims);
    deps.metrics.add('queue_wait_ms', dims, Math.max(0, now - entry.firstSeen));
    return { kind: 'started', assignment: { key: entry.key, owner, lease: out.lease } };
  }
  return { kind: 'no_room' };
}
