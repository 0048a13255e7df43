import { randomUUID } from 'node:crypto';
import type { Lease, ModelSnapshot } from '../capacity/types.js';
import type { QueueItem } from '../queue/types.js';
import { eligibleModels, isCoolingDown } from '../routing/eligible.js';
import { Answerer } from './answer.js';
import type { CallAssignment } from './call-event.js';
import type { SchedulerDeps } from './deps.js';
import { byEffectiveOrder, effectivePriority } from './entry.js';
import { Expirer } from './expire.js';
import { hasRoom, routeFor } from './selection.js';
import { maybeSweep } from './sweep.js';

/** Waiting requests read per round. */
export const DISPATCH_READ_LIMIT = 25;
/** How stale a fleet snapshot that shows room may be. */
const SNAPSHOT_MAX_AGE_MS = 100;

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
 * every admission (enqueue, then read the table: against a releaser that releases, then reads the
 * queue, so no request waits while a slot is free) and when a call finds nothing to hand its slot
 * to. Every lease and claim is a conditional write: any number of dispatchers may run at once.
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
async function fleetFor(deps: SchedulerDeps, waiting: readonly QueueItem[], now: number): Promise<ModelSnapshot[]> {
  const cached = await deps.snapshots.get(SNAPSHOT_MAX_AGE_MS);
  if (waiting.some((item) => cached.some((m) => hasRoom(deps, m, item, now)))) return cached.map(copyState);
  return (await deps.snapshots.fresh()).map(copyState);
}

/** The dispatcher counts its own leases into the snapshot; other readers of the cache must not see that. */
function copyState(m: ModelSnapshot): ModelSnapshot {
  return { spec: m.spec, state: { ...m.state } };
}

async function dispatchRound(deps: SchedulerDeps, summary: DispatchSummary, waiting: readonly QueueItem[]): Promise<number> {
  const now = deps.clock.now();
  const fleet = await fleetFor(deps, waiting, now);
  const byId = new Map(fleet.map((m) => [m.spec.id, m]));
  const expirer = new Expirer(deps);
  const assignments: CallAssignment[] = [];
  const spare = new Map<string, Lease[]>();
  for (const item of byEffectiveOrder(waiting, now, deps.config.scheduler.aging_ms)) {
    if (item.notBefore > now) {
      summary.wakeAt = Math.min(summary.wakeAt ?? Infinity, item.notBefore);
      continue;
    }
    if (item.deadline <= now || noModelEver(item, fleet, now)) {
      if (await expirer.answer(item, fleet, now)) summary.answered += 1;
      continue;
    }
    if (![...byId.values()].some((m) => hasRoom(deps, m, item, now))) {
      // Cooling models come back by themselves; someone must look again then.
      const cooling = [...byId.values()].filter((m) => isCoolingDown(m, now)).map((m) => m.state.cooldownUntil);
      if (cooling.length > 0) summary.wakeAt = Math.min(summary.wakeAt ?? Infinity, ...cooling);
      continue;
    }
    const assignment = await startOne(deps, item, byId, spare, now);
    if (assignment) assignments.push(assignment);
  }
  await releaseSpare(deps, spare);
  await ringDoorbells(deps, assignments);
  summary.started += assignments.length;
  return assignments.length;
}

function noModelEver(item: QueueItem, fleet: readonly ModelSnapshot[], now: number): boolean {
  return eligibleModels({ task_type: item.taskType, model_id: item.modelId }, fleet, now).reason !== undefined;
}

/**
 * Leases a slot on the item's best model with room and claims the item, both at once (two
 * conditional writes in parallel). A lease whose claim lost (another dispatcher took the item) is
 * kept for the next item that routes to the same model; a claim whose lease was refused tries the
 * next model, and is handed back to the queue when none has room.
 */
async function startOne(deps: SchedulerDeps, item: QueueItem, byId: Map<string, ModelSnapshot>, spare: Map<string, Lease[]>, now: number): Promise<CallAssignment | undefined> {
  const owner = `${deps.ownerId}/${randomUUID()}`;
  const priority = effectivePriority(item, now, deps.config.scheduler.aging_ms);
  const ttl = deps.config.scheduler.claim_ttl_ms;
  let claim: ReturnType<SchedulerDeps['queue']['claim']> | undefined;
  for (const model of routeFor(deps, item, [...byId.values()], now)) {
    const reuse = spare.get(model.spec.id)?.pop();
    claim ??= deps.queue.claim(item.key, owner, ttl, now);
    const [leased, claimed] = await Promise.all([
      reuse ? Promise.resolve({ granted: true as const, lease: reuse }) : deps.store.acquire({ modelId: model.spec.id, priority, leaseId: randomUUID(), estimatedTokens: item.estimatedTokens }),
      claim,
    ]);
    if (!leased.granted) {
      // Full (or cooling) for this priority: no more writes to it this round.
      if (leased.reason === 'cooldown' || leased.reason === 'rate_limited') model.state.cooldownUntil = now + (leased.retryAfterMs ?? 1_000);
      else model.state.inFlight = model.spec.capacity;
      if (claimed.kind !== 'claimed') return undefined;
      continue;
    }
    model.state.inFlight += 1;
    if (claimed.kind !== 'claimed') {
      spare.set(model.spec.id, [...(spare.get(model.spec.id) ?? []), leased.lease]);
      if (claimed.kind === 'publish') await new Answerer(deps).publishStored(claimed.item, owner);
      return undefined;
    }
    deps.metrics.add('admitted', { model: model.spec.id, priority: item.priority });
    deps.metrics.add('queue_wait_ms', { model: model.spec.id, priority: item.priority }, Math.max(0, now - item.firstSeen));
    return { key: item.key, owner, lease: leased.lease };
  }
  const claimed = claim ? await claim : undefined;
  if (claimed?.kind === 'claimed') await deps.queue.requeue(item.key, owner, item, deps.clock.now());
  return undefined;
}

async function releaseSpare(deps: SchedulerDeps, spare: Map<string, Lease[]>): Promise<void> {
  await Promise.all([...spare.values()].flat().map((lease) => deps.store.release(lease)));
}

/**
 * Starts one `call` per assignment. An invoke the platform refused leaves nothing running: the
 * slot is released and the request handed back to the queue, so it is never stranded.
 */
async function ringDoorbells(deps: SchedulerDeps, assignments: CallAssignment[]): Promise<void> {
  await Promise.all(
    assignments.map(async (a) => {
      try {
        await deps.calls.invoke({ kind: 'agentsched.call', sentAt: deps.clock.now(), calls: [a] });
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
