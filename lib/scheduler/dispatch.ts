import { randomUUID } from 'node:crypto';
import type { AcquireOutcome, Lease, ModelSnapshot } from '../capacity/types.js';
import type { QueueEntry, QueueItem } from '../queue/types.js';
import { eligibleModels, isCoolingDown } from '../routing/eligible.js';
import { Answerer } from './answer.js';
import type { CallAssignment, Prefetched } from './call-event.js';
import type { SchedulerDeps } from './deps.js';
import { byEffectiveOrder, effectivePriority, keyString } from './entry.js';
import { Expirer } from './expire.js';
import { hasRoom, routeFor } from './selection.js';
import { maybeSweep } from './sweep.js';

/** Waiting requests read per round. */
export const DISPATCH_READ_LIMIT = 25;
/** How stale a fleet snapshot that shows room may be. */
export const SNAPSHOT_MAX_AGE_MS = 100;

export interface DispatchOptions {
  /**
   * Requests known to be waiting (just registered by this batch, or just found by a freed slot's
   * read): dispatched without reading the queue. Whoever freed a slot reads the queue after
   * freeing it, so while a model has room nothing eligible is left waiting that these would pass.
   */
  candidates?: readonly QueueItem[];
}

export interface DispatchSummary {
  /** Calls started (leases taken and requests claimed, `call` invoked). */
  started: number;
  /** Requests answered without a model call (past their deadline, or no model can ever serve them). */
  answered: number;
  /** Earliest time a waiting request not yet due (backoff) or a cooling model becomes usable, if any. */
  wakeAt?: number;
}

/**
 * One dispatch: lease free slots for the best waiting requests and start their calls. Runs after
 * an admission that could not start its requests at once (enqueue, then read the table: against a
 * releaser that releases, then reads the queue, so no request waits while a slot is free) and when
 * a freed slot finds work for another model. Every lease and claim is a conditional write: any
 * number of dispatchers may run at once.
 */
export async function dispatch(deps: SchedulerDeps, opts: DispatchOptions = {}): Promise<DispatchSummary> {
  const summary: DispatchSummary = { started: 0, answered: 0 };
  await maybeSweep(deps);
  if (opts.candidates) {
    if (opts.candidates.length > 0) await dispatchRound(deps, summary, opts.candidates);
    return summary;
  }
  for (let round = 0; round < 8; round++) {
    const waiting = await deps.queue.waiting({ now: deps.clock.now(), limit: DISPATCH_READ_LIMIT, merged: true });
    if (waiting.length === 0) break;
    const started = await dispatchRound(deps, summary, waiting);
    // A full read's worth went out and slots may be left: read the next requests.
    if (started < DISPATCH_READ_LIMIT) break;
  }
  return summary;
}

/**
 * The fleet to dispatch against. A recent snapshot when it shows room (a lease is a conditional
 * write: a stale "room" costs one refused write); a fresh, strongly consistent read when it shows
 * none — an enqueue followed by a stale "full" could miss a slot freed just before it.
 */
async function fleetFor(deps: SchedulerDeps, waiting: readonly QueueEntry[], now: number): Promise<ModelSnapshot[]> {
  const cached = await deps.snapshots.get(SNAPSHOT_MAX_AGE_MS);
  if (waiting.some((item) => cached.some((m) => hasRoom(deps, m, item, now)))) return cached.map(copyState);
  return (await deps.snapshots.fresh()).map(copyState);
}

/** The dispatcher counts its own leases into its copy; other readers of the cache must not see that. */
function copyState(m: ModelSnapshot): ModelSnapshot {
  return { spec: m.spec, state: { ...m.state } };
}

async function dispatchRound(deps: SchedulerDeps, summary: DispatchSummary, waiting: readonly QueueItem[]): Promise<number> {
  const now = deps.clock.now();
  const fleet = await fleetFor(deps, waiting, now);
  const expirer = new Expirer(deps);
  const assignments: CallAssignment[] = [];
  const claimed = new Map<string, QueueItem>();
  const spare = new Map<string, Lease[]>();
  for (const item of byEffectiveOrder(waiting, deps.config.scheduler.aging_ms)) {
    if (item.notBefore > now) {
      wakeAt(summary, item.notBefore);
      continue;
    }
    if (item.deadline <= now || eligibleModels({ task_type: item.taskType, model_id: item.modelId }, fleet, now).reason !== undefined) {
      if (await expirer.answer(item, fleet, now)) summary.answered += 1;
      continue;
    }
    const models = routeFor(deps, item, fleet, now);
    if (models.length === 0) {
      // Cooling models come back by themselves; someone must look again then.
      for (const m of fleet) if (isCoolingDown(m, now)) wakeAt(summary, m.state.cooldownUntil);
      continue;
    }
    const started = await startOne(deps, item, models, spare, summary, now);
    if (started) {
      assignments.push(started.assignment);
      claimed.set(keyString(item.key), started.item);
    }
  }
  await Promise.all([...spare.values()].flat().map((lease) => deps.store.release(lease)));
  await ringDoorbells(deps, assignments, claimed);
  summary.started += assignments.length;
  return assignments.length;
}

function wakeAt(summary: DispatchSummary, at: number): void {
  summary.wakeAt = Math.min(summary.wakeAt ?? Infinity, at);
}

/**
 * What a refused lease teaches: a full model is skipped by this container until its next read of
 * the table, a cooling or rate-limited one until it is usable again (and someone must look then).
 */
export function noteRefusal(deps: SchedulerDeps, model: ModelSnapshot, out: Extract<AcquireOutcome, { granted: false }>, now: number, summary?: DispatchSummary): void {
  if (out.reason === 'cooldown' || out.reason === 'rate_limited') {
    model.state.cooldownUntil = Math.max(model.state.cooldownUntil, now + (out.retryAfterMs ?? 1_000));
    if (summary) wakeAt(summary, model.state.cooldownUntil);
  } else {
    model.state.inFlight = Math.max(model.state.inFlight, model.spec.capacity);
    deps.snapshots.markFull(model.spec.id);
  }
}

/**
 * Leases a slot on the item's best model with room, then claims the item (a claim is only taken
 * with a slot in hand, so a refused lease costs nothing more). A lease whose claim lost (another
 * dispatcher took the item) is kept for the next item that routes to the same model.
 */
async function startOne(
  deps: SchedulerDeps,
  item: QueueItem,
  models: ModelSnapshot[],
  spare: Map<string, Lease[]>,
  summary: DispatchSummary,
  now: number,
): Promise<{ assignment: CallAssignment; item: QueueItem } | undefined> {
  const priority = effectivePriority(item, now, deps.config.scheduler.aging_ms);
  for (const model of models) {
    if (!hasRoom(deps, model, item, now)) continue;
    let lease = spare.get(model.spec.id)?.pop();
    if (!lease) {
      const out = await deps.store.acquire({ modelId: model.spec.id, priority, leaseId: randomUUID(), estimatedTokens: item.estimatedTokens });
      if (!out.granted) {
        noteRefusal(deps, model, out, now, summary);
        continue;
      }
      lease = out.lease;
      model.state.inFlight += 1;
    }
    const owner = `${deps.ownerId}/${randomUUID()}`;
    const claimed = await deps.queue.claim(item.key, owner, deps.config.scheduler.claim_ttl_ms, now);
    if (claimed.kind === 'claimed') {
      deps.metrics.add('admitted', { model: model.spec.id, priority: item.priority });
      deps.metrics.add('queue_wait_ms', { model: model.spec.id, priority: item.priority }, Math.max(0, now - item.firstSeen));
      return { assignment: { key: item.key, owner, lease }, item: claimed.item };
    }
    spare.set(model.spec.id, [...(spare.get(model.spec.id) ?? []), lease]);
    if (claimed.kind === 'publish') await new Answerer(deps).publishStored(claimed.item, owner);
    return undefined;
  }
  return undefined;
}

/**
 * Starts one `call` per assignment. An invoke the platform refused leaves nothing running: the
 * slot is released and the request handed back to the queue, so it is never stranded.
 */
export async function ringDoorbells(deps: SchedulerDeps, assignments: readonly CallAssignment[], claimed?: Prefetched): Promise<void> {
  await Promise.all(
    assignments.map(async (a) => {
      try {
        await deps.calls.invoke({ kind: 'agentsched.call', sentAt: deps.clock.now(), calls: [a] }, claimed);
      } catch (err) {
        deps.logger.error('call invoke failed; request handed back', { correlationId: a.key.correlationId, error: (err as Error).message });
        await deps.store.release(a.lease);
        const item = await deps.queue.get(a.key);
        if (item) await deps.queue.requeue(a.key, a.owner, item, deps.clock.now());
        throw err;
      }
    }),
  );
}
