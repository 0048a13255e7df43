import { randomUUID } from 'node:crypto';
import type { ModelSnapshot } from '../capacity/types.js';
import type { EnqueueOutcome, QueueEntry, QueueItem } from '../queue/types.js';
import type { CallAssignment } from './call-event.js';
import type { SchedulerDeps } from './deps.js';
import { SNAPSHOT_MAX_AGE_MS, noteRefusal } from './dispatch.js';

/** Oldest fleet snapshot the fast path plans with, while a fresher one is read in the background. */
const SNAPSHOT_STALE_MS = 1_000;
import { byEffectiveOrder, effectivePriority } from './entry.js';
import { routeFor } from './selection.js';

export type FastStart =
  /** Leased and registered as running in one go: ring its doorbell. */
  | { kind: 'started'; assignment: CallAssignment; item: QueueItem }
  /** Registered before (a redelivery): nothing changed, the lease was given back. */
  | { kind: 'present'; outcome: Extract<EnqueueOutcome, { kind: 'present' }> }
  /** No model had room: register it as waiting. */
  | { kind: 'no_room' };

/**
 * Which of a batch's requests to start at once, and on which model: in queue order, as many as a
 * recent snapshot shows free slots for (each planned start takes one). The rest wait. Planned
 * together, so a batch never sends more lease writes than the snapshot has slots.
 */
export async function planFastStarts(deps: SchedulerDeps, entries: readonly QueueEntry[]): Promise<Map<QueueEntry, ModelSnapshot>> {
  const now = deps.clock.now();
  const plan = new Map<QueueEntry, ModelSnapshot>();
  const due = entries.filter((e) => e.deadline > now && e.notBefore <= now);
  if (due.length === 0) return plan;
  // Stale-while-revalidate: a refused lease only sends the request the waiting way.
  const fleet = (await deps.snapshots.recent(SNAPSHOT_MAX_AGE_MS, SNAPSHOT_STALE_MS)).map((m) => ({ spec: m.spec, state: { ...m.state } }));
  for (const entry of byEffectiveOrder(due, deps.config.scheduler.aging_ms)) {
    const model = routeFor(deps, entry, fleet, now)[0];
    if (!model) continue;
    model.state.inFlight += 1;
    plan.set(entry, model);
  }
  return plan;
}

/**
 * The admission fast path, when the fleet has room (by a recent snapshot): lease a slot first,
 * then register the request already claimed (`enqueueClaimed`) — two writes, and the request never
 * sits in the waiting order, where nothing else waits while a model has room. A refused lease
 * (the snapshot was stale) falls back to the waiting path.
 */
export async function startAtOnce(deps: SchedulerDeps, entry: QueueEntry, model: ModelSnapshot): Promise<FastStart> {
  const now = deps.clock.now();
  const priority = effectivePriority(entry, now, deps.config.scheduler.aging_ms);
  const out = await deps.store.acquire({ modelId: model.spec.id, priority, leaseId: randomUUID(), estimatedTokens: entry.estimatedTokens });
  if (!out.granted) {
    const cached = (await deps.snapshots.get(SNAPSHOT_MAX_AGE_MS)).find((m) => m.spec.id === model.spec.id);
    if (cached) noteRefusal(deps, cached, out, now);
    return { kind: 'no_room' };
  }
  deps.snapshots.noteLeased(model.spec.id);
  const owner = `${deps.ownerId}/${randomUUID()}`;
  let registered: EnqueueOutcome;
  const ttl = deps.config.scheduler.claim_ttl_ms;
  try {
    registered = await deps.queue.enqueueClaimed(entry, owner, ttl, now);
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
  return { kind: 'started', assignment: { key: entry.key, owner, lease: out.lease }, item: { ...entry, state: 'running', owner, until: now + ttl } };
}
