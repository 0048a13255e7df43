import { randomUUID } from 'node:crypto';
import type { CallReport, Lease, ModelSnapshot } from '../capacity/types.js';
import type { QueueItem } from '../queue/types.js';
import { Answerer } from './answer.js';
import type { InvocationContext, SchedulerDeps } from './deps.js';
import { dispatch } from './dispatch.js';
import { byEffectiveOrder, effectivePriority } from './entry.js';
import { Expirer } from './expire.js';
import { wantsSlot } from './selection.js';

/** How stale the fleet's static description and cooldowns may be when choosing a slot's next request. */
const FLEET_MAX_AGE_MS = 1_000;
/** Waiting requests a freed slot looks at. */
const HANDOFF_READ_LIMIT = 10;

export interface NextRun {
  item: QueueItem;
  owner: string;
  lease: Lease;
}

/**
 * A finished call's slot goes to the best waiting request this model can serve, in one capacity
 * write (`CapacityStore.handOff`: the report recorded, the lease replaced, in-flight unchanged) after
 * one conditional claim of the request. Released when nothing fits or time runs low — and then the
 * queue is read once more: a request enqueued while we looked either saw the freed slot (its
 * dispatcher reads the table after enqueueing) or is found here, so none waits while a slot is free.
 */
export async function handOff(deps: SchedulerDeps, lease: Lease, report: CallReport | undefined, invocation: InvocationContext, minRunMs: number): Promise<NextRun | undefined> {
  const fleet = await deps.snapshots.get(FLEET_MAX_AGE_MS);
  const model = fleet.find((m) => m.spec.id === lease.modelId);
  if (model && invocation.remainingMs() >= minRunMs) {
    const next = await takeNext(deps, model, fleet, lease, report);
    if (next !== 'none') return next ?? undefined;
  } else {
    await deps.store.release(lease, report);
    if (model) await recheck(deps, model);
    return undefined;
  }
  await deps.store.release(lease, report);
  await recheck(deps, model);
  return undefined;
}

/** `none`: nothing waiting fits (the caller releases); null: the store refused and released the slot itself. */
async function takeNext(deps: SchedulerDeps, model: ModelSnapshot, fleet: ModelSnapshot[], lease: Lease, report: CallReport | undefined): Promise<NextRun | null | 'none'> {
  const now = deps.clock.now();
  const waiting = await deps.queue.waiting({ now, limit: HANDOFF_READ_LIMIT, model: { id: model.spec.id, tasks: model.spec.supported_tasks } });
  for (const candidate of byEffectiveOrder(waiting, now, deps.config.scheduler.aging_ms)) {
    if (candidate.deadline <= now) {
      await new Expirer(deps).answer(candidate, fleet, now);
      continue;
    }
    if (!wantsSlot(model, candidate, fleet, now)) continue;
    const owner = `${deps.ownerId}/${randomUUID()}`;
    const claim = await deps.queue.claim(candidate.key, owner, deps.config.scheduler.claim_ttl_ms, now);
    if (claim.kind === 'publish') await new Answerer(deps).publishStored(claim.item, owner);
    if (claim.kind !== 'claimed') continue;
    const priority = effectivePriority(candidate, now, deps.config.scheduler.aging_ms);
    const out = await deps.store.handOff(lease, report, { modelId: model.spec.id, priority, leaseId: randomUUID(), estimatedTokens: candidate.estimatedTokens });
    if (out.granted) {
      deps.metrics.add('handed_off', { model: model.spec.id, priority: candidate.priority });
      deps.metrics.add('queue_wait_ms', { model: model.spec.id, priority: candidate.priority }, Math.max(0, now - candidate.firstSeen));
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

async function recheck(deps: SchedulerDeps, model: ModelSnapshot): Promise<void> {
  const now = deps.clock.now();
  const again = await deps.queue.waiting({ now, limit: 1, model: { id: model.spec.id, tasks: model.spec.supported_tasks } });
  if (again.length > 0) await dispatch(deps);
}
