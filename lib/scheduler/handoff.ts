import { randomUUID } from 'node:crypto';
import type { CallReport, Lease, ModelSnapshot } from '../capacity/types.js';
import type { QueueEntry, QueueItem, WaitingQuery } from '../queue/types.js';
import { Answerer } from './answer.js';
import type { InvocationContext, SchedulerDeps } from './deps.js';
import { dispatch } from './dispatch.js';
import { compareOrder } from '../queue/key.js';
import { byEffectiveOrder, effectivePriority, keyString } from './entry.js';
import { Expirer } from './expire.js';
import { wantsSlot } from './selection.js';
import { containerState } from './container-state.js';
import { KEEP_FLEET_MAX_AGE_MS, keepsLease } from './keep-lease.js';

/** How stale the fleet's static description and cooldowns may be when choosing a slot's next request. */
const FLEET_MAX_AGE_MS = 1_000;
/** Waiting requests a freed slot looks at. */
const HANDOFF_READ_LIMIT = 32;
/** A model that had waiting work this recently is read for before its slot is released. */
const BUSY_WINDOW_MS = 1_000;

export interface NextRun {
  item: QueueItem;
  owner: string;
  lease: Lease;
  /**
   * The finished calls' report when the slot moved on without a capacity write (`keepsLease`):
   * the slot's next capacity write records it.
   */
  unreported?: CallReport;
}

/**
 * How long a request a slot of this container claimed (or lost to another claimer) is skipped by
 * its other slots, which read lists that may be a moment old: no writes that must be refused.
 */
const TAKEN_MS = 5_000;
/** A freed slot picks at random among this many of the best waiting requests of the same rank. */
const SPREAD = 16;

/**
 * The waiting requests in the order a freed slot should try them: the best rank first, but the
 * first few of that rank shuffled, so slots freed at the same moment (in this container or others)
 * do not all race for the same head request — only one claim can win, and every lost race costs a
 * write. Within a rank the deadline order is then approximate over `SPREAD` requests.
 */
function spread<T extends QueueItem>(ordered: T[], deps: SchedulerDeps, now: number): T[] {
  const { taken } = containerState(deps);
  const free = ordered.filter((i) => (taken.get(keyString(i.key)) ?? -Infinity) <= now);
  const first = free[0];
  if (!first) return free;
  const rank = effectivePriority(first, now, deps.config.scheduler.aging_ms);
  let n = 0;
  while (n < Math.min(SPREAD, free.length) && effectivePriority(free[n]!, now, deps.config.scheduler.aging_ms) === rank) n++;
  const head = free.slice(0, n);
  for (let i = head.length - 1; i > 0; i--) {
    const j = Math.floor(deps.random() * (i + 1));
    [head[i], head[j]] = [head[j]!, head[i]!];
  }
  return [...head, ...free.slice(n)];
}

/** Skips `key` in this container's hand-off reads until `until`. */
export function markTaken(deps: SchedulerDeps, key: string, until: number): void {
  const { taken } = containerState(deps);
  if (taken.size > 10_000) for (const [k, t] of taken) if (t <= deps.clock.now()) taken.delete(k);
  taken.set(key, until);
}

function foundRecently(deps: SchedulerDeps, modelId: string, now: number): boolean {
  return now - (containerState(deps).lastFound.get(modelId) ?? -Infinity) < BUSY_WINDOW_MS;
}

function noteFound(deps: SchedulerDeps, modelId: string, now: number): void {
  containerState(deps).lastFound.set(modelId, now);
}

/**
 * A finished call's slot goes to the best waiting request this model can serve. While the model
 * has had waiting work (overload) the queue is read first and the slot handed on in one capacity
 * write (`CapacityStore.handOff`: report recorded, lease replaced, in-flight unchanged) after one
 * conditional claim. Otherwise the slot is released first and the queue read after: a request
 * enqueued meanwhile either saw the freed slot (its dispatcher reads the table after enqueueing) or
 * is found by that read — so no request waits while a slot is free, and an idle fleet pays one
 * release and one read per call.
 */
export async function handOff(
  deps: SchedulerDeps,
  lease: Lease,
  report: CallReport | undefined,
  invocation: InvocationContext,
  minRunMs: number,
  prefetched?: Prefetch,
): Promise<NextRun | undefined> {
  // Fresh enough for the slot to move on without a capacity write (`keepsLease`).
  const fleet = await deps.snapshots.get(KEEP_FLEET_MAX_AGE_MS);
  const model = fleet.find((m) => m.spec.id === lease.modelId);
  const now = deps.clock.now();
  if (model && invocation.remainingMs() >= minRunMs && (prefetched || foundRecently(deps, model.spec.id, now))) {
    const next = await takeNext(deps, model, fleet, lease, report, prefetched);
    if (next !== 'none') return next ?? undefined;
  }
  await deps.store.release(lease, report);
  if (model) await recheck(deps, model);
  return undefined;
}

/**
 * How old a container's read of a model's waiting requests may be for a freed slot to pick from
 * it. Under overload many slots free up per such interval: they share one read (skipping what this
 * container already claimed) instead of each reading the queue — one query per model and interval,
 * not per request. A request enqueued meanwhile is seen at most this much later.
 */
const POOL_MAX_AGE_MS = 50;

function candidatesFor(deps: SchedulerDeps, model: ModelSnapshot): Promise<QueueItem[]> {
  const now = deps.clock.now();
  const { pools, taken } = containerState(deps);
  const pool = pools.get(model.spec.id) ?? { items: [], readAt: -Infinity, generation: 0 };
  pools.set(model.spec.id, pool);
  const fresh = pool.items.filter((i) => (taken.get(keyString(i.key)) ?? -Infinity) <= now);
  if (now - pool.readAt <= POOL_MAX_AGE_MS && fresh.length > 0) return Promise.resolve(fresh);
  pool.reading ??= deps.queue
    .waiting(queryFor(model, now, HANDOFF_READ_LIMIT))
    .then((items) => {
      pool.items = items;
      pool.readAt = now;
      return items;
    })
    .finally(() => {
      pool.reading = undefined;
    });
  return pool.reading;
}

/** A read of a model's waiting requests, and the pool generation it was started in. */
export interface Prefetch {
  modelId: string;
  generation: number;
  items: Promise<QueueItem[]>;
}

function generationOf(deps: SchedulerDeps, modelId: string): number {
  return containerState(deps).pools.get(modelId)?.generation ?? 0;
}

/**
 * While a model is busy (its freed slots found work recently), the read for the next request can
 * run while the finished one is stored and published: the slot then moves on without waiting for it.
 */
export function prefetchNext(deps: SchedulerDeps, modelId: string): Prefetch | undefined {
  const now = deps.clock.now();
  if (!foundRecently(deps, modelId, now)) return undefined;
  const items = deps.snapshots.get(FLEET_MAX_AGE_MS).then((fleet) => {
    const model = fleet.find((m) => m.spec.id === modelId);
    return model ? candidatesFor(deps, model) : [];
  });
  // Awaited only if the slot moves on (`takeNext`, which then reads again on failure): a read that
  // fails while nobody waits for it (the answer's store failed, the table is down) must not become
  // an unhandled rejection, which ends the process.
  void items.catch(() => undefined);
  return { modelId, generation: generationOf(deps, modelId), items };
}

/**
 * A request was just registered as waiting in this container (no slot had room): a read of a
 * model's order taken before it, whose best request comes after it in the order, would hand the
 * next freed slot past it — forget such reads, so the next freed slot reads again and finds it.
 */
export function noteWaiting(deps: SchedulerDeps, entry: QueueEntry): void {
  const byModel = containerState(deps).pools;
  const aging = deps.config.scheduler.aging_ms;
  for (const pool of byModel.values()) {
    const best = pool.items[0];
    if (best && compareOrder(best, entry, aging) <= 0) continue;
    pool.readAt = -Infinity;
    pool.reading = undefined;
    pool.generation += 1;
  }
}

function queryFor(model: ModelSnapshot, now: number, limit: number): WaitingQuery {
  return { now, limit, merged: true, model: { id: model.spec.id, tasks: model.spec.supported_tasks } };
}

/** `none`: nothing waiting fits (the caller releases); null: the store refused and released the slot itself. */
async function takeNext(
  deps: SchedulerDeps,
  model: ModelSnapshot,
  fleet: ModelSnapshot[],
  lease: Lease,
  report: CallReport | undefined,
  prefetched: Prefetch | undefined,
): Promise<NextRun | null | 'none'> {
  const now = deps.clock.now();
  // A read from before a request that would lead the order was registered here is read again.
  const early = prefetched ? await prefetched.items.catch(() => undefined) : undefined;
  const waiting = early && prefetched?.generation === generationOf(deps, model.spec.id) ? early : await candidatesFor(deps, model);
  for (const candidate of spread(byEffectiveOrder(waiting, deps.config.scheduler.aging_ms), deps, now)) {
    if (candidate.deadline <= now) {
      await new Expirer(deps).answer(candidate, fleet, now);
      continue;
    }
    if (!wantsSlot(model, candidate, fleet, now)) continue;
    noteFound(deps, model.spec.id, now);
    const owner = `${deps.ownerId}/${randomUUID()}`;
    const key = keyString(candidate.key);
    markTaken(deps, key, now + TAKEN_MS);
    const claim = await deps.queue.claim(candidate.key, owner, deps.config.scheduler.claim_ttl_ms, now);
    if (claim.kind === 'publish') await new Answerer(deps).publishStored(claim.item, owner);
    if (claim.kind !== 'claimed') continue;
    const priority = effectivePriority(candidate, now, deps.config.scheduler.aging_ms);
    if (keepsLease(deps, model, lease, report, priority, now)) {
      noteHandedOff(deps, model, candidate, now);
      return { item: claim.item, owner, lease, ...(report ? { unreported: report } : {}) };
    }
    const out = await deps.store.handOff(lease, report, { modelId: model.spec.id, priority, leaseId: randomUUID(), estimatedTokens: candidate.estimatedTokens });
    if (out.granted) {
      noteHandedOff(deps, model, candidate, now);
      return { item: claim.item, owner, lease: out.lease };
    }
    // Refused (the cooldown this report starts, a rate limit): the store freed the slot. The
    // request goes back and anyone with room takes it.
    await deps.queue.requeue(candidate.key, owner, candidate, deps.clock.now());
    await dispatch(deps);
    return null;
  }
  return 'none';
}

function noteHandedOff(deps: SchedulerDeps, model: ModelSnapshot, candidate: QueueItem, now: number): void {
  deps.metrics.add('handed_off', { model: model.spec.id, priority: candidate.priority });
  deps.metrics.add('queue_wait_ms', { model: model.spec.id, priority: candidate.priority }, Math.max(0, now - candidate.firstSeen));
}

/** After a release: what waits for this model now goes to whoever has room (this slot, usually). */
async function recheck(deps: SchedulerDeps, model: ModelSnapshot): Promise<void> {
  const now = deps.clock.now();
  const waiting = await deps.queue.waiting(queryFor(model, now, HANDOFF_READ_LIMIT));
  if (waiting.length === 0) return;
  if (waiting.some((i) => i.notBefore <= now)) noteFound(deps, model.spec.id, now);
  await dispatch(deps, { candidates: waiting });
}
