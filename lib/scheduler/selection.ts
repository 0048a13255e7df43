import { priorityLimit } from '../capacity/shares.js';
import type { ModelSnapshot } from '../capacity/types.js';
import type { Priority } from '../contracts/request.js';
import type { QueueEntry } from '../queue/types.js';
import { eligibleModels, isCoolingDown } from '../routing/eligible.js';
import type { SchedulerDeps } from './deps.js';
import { effectivePriority } from './entry.js';

type Ctx = Pick<SchedulerDeps, 'config' | 'router'>;

/** How many calls `priority` may have in flight on `model` (its share of the capacity). */
export function slotLimit(ctx: Pick<SchedulerDeps, 'config'>, model: ModelSnapshot, priority: Priority): number {
  return priorityLimit(model.spec.capacity, ctx.config.capacity.priority_shares[priority]);
}

/** True when `model` may serve the entry: it supports the task and is the pinned model, if any. */
export function canServe(entry: Pick<QueueEntry, 'taskType' | 'modelId'>, model: ModelSnapshot): boolean {
  return (entry.modelId == null || entry.modelId === model.spec.id) && model.spec.supported_tasks.includes(entry.taskType);
}

/** True when `model` can take the entry now: it can serve it, is not cooling down, and has a slot for its priority. */
export function hasRoom(ctx: Pick<SchedulerDeps, 'config'>, model: ModelSnapshot, entry: QueueEntry, now: number): boolean {
  const priority = effectivePriority(entry, now, ctx.config.scheduler.aging_ms);
  return canServe(entry, model) && !isCoolingDown(model, now) && model.state.inFlight < slotLimit(ctx, model, priority);
}

/**
 * The entry's models with room, in routing order (the configured strategy); models that already
 * failed it only when every model that can serve it has.
 */
export function routeFor(ctx: Ctx, entry: QueueEntry, fleet: readonly ModelSnapshot[], now: number): ModelSnapshot[] {
  const request = { task_type: entry.taskType, model_id: entry.modelId, session_id: sessionOf(entry) };
  const { eligible } = eligibleModels(request, fleet, now);
  // A model that failed the request is used again only when no other can serve it (as `wantsSlot`
  // decides for freed slots): the request rather waits for a busy or cooling model than retries
  // on one that failed it.
  const failed = new Set(entry.failedModels);
  const untried = eligible.filter((m) => !failed.has(m.spec.id));
  const usable = untried.length > 0 ? untried : eligible;
  return ctx.router.order(request, usable.filter((m) => hasRoom(ctx, m, entry, now)), now);
}

/**
 * True when a freed slot of `model` may go to `entry`: it is due and can use the model, and the
 * model did not fail it already unless no other model can serve it.
 */
export function wantsSlot(model: ModelSnapshot, entry: QueueEntry, fleet: readonly ModelSnapshot[], now: number): boolean {
  if (entry.notBefore > now || !canServe(entry, model)) return false;
  if (!entry.failedModels.includes(model.spec.id)) return true;
  return !fleet.some((m) => m.spec.id !== model.spec.id && canServe(entry, m) && !entry.failedModels.includes(m.spec.id));
}

function sessionOf(entry: QueueEntry): string | undefined {
  const s = entry.request['session_id'];
  return typeof s === 'string' ? s : undefined;
}
