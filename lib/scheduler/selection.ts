import { demandBlocks } from '../capacity/demand.js';
import { priorityLimit } from '../capacity/shares.js';
import type { ModelSnapshot } from '../capacity/types.js';
import type { Config } from '../config/schema.js';
import type { Priority } from '../contracts/request.js';
import { eligibleModels, isCoolingDown } from '../routing/eligible.js';
import type { Router } from '../routing/router.js';
import { admissionPriority, canServe } from './job.js';
import type { Job } from './job.js';

/** Completion tokens assumed for the TPM estimate when the request sets no `max_tokens`. */
const DEFAULT_COMPLETION_ESTIMATE = 256;

/** Pure choices the dispatcher makes about which job goes to which model slot. */
export interface SelectionContext {
  router: Router;
  config: Pick<Config, 'capacity' | 'scheduler'>;
}

/** How many calls `priority` may have in flight on `model` (its share of the capacity). */
export function slotLimit(ctx: SelectionContext, model: ModelSnapshot, priority: Priority): number {
  return priorityLimit(model.spec.capacity, ctx.config.capacity.priority_shares[priority]);
}

/** The job's models in routing order, those that already failed it last. */
export function candidates(ctx: SelectionContext, job: Job, eligible: ModelSnapshot[], now: number): ModelSnapshot[] {
  const ordered = ctx.router.order(job.request, eligible, now);
  return [...ordered.filter((m) => !job.failedModels.has(m.spec.id)), ...ordered.filter((m) => job.failedModels.has(m.spec.id))];
}

/** True when `model` has no room for `priority` now: full for its share, cooling down or held for a higher priority. */
export function noRoomFor(ctx: SelectionContext, model: ModelSnapshot, priority: Priority, now: number): boolean {
  return isCoolingDown(model, now) || model.state.inFlight >= slotLimit(ctx, model, priority) || demandBlocks(model, priority, now);
}

/**
 * The waiting job a freed slot of `model` goes to: the first (in queue order) that is due, can use
 * the model, is not held back by a higher demand mark, and whose router would pick this model among
 * those with room (a model that failed it only when no other is left). `skip` is a job already
 * being admitted elsewhere.
 */
export function nextFor(
  ctx: SelectionContext,
  model: ModelSnapshot,
  waiting: readonly Job[],
  fleet: readonly ModelSnapshot[],
  now: number,
  skip?: Job,
): { job: Job; priority: Priority } | undefined {
  if (isCoolingDown(model, now)) return undefined;
  for (const job of waiting) {
    if (job === skip || job.notBefore > now || job.deadline <= now || !canServe(job, model.spec)) continue;
    const priority = admissionPriority(job, now, ctx.config.scheduler.aging_ms);
    if (demandBlocks(model, priority, now)) continue;
    const { eligible } = eligibleModels(job.request, fleet, now);
    const first = candidates(ctx, job, eligible, now).find((m) => m.spec.id === model.spec.id || !noRoomFor(ctx, m, priority, now));
    if (first?.spec.id === model.spec.id) return { job, priority };
  }
  return undefined;
}

/** Tokens reserved against a TPM limit at admission: the prompt plus the completion's ceiling. */
export function estimateTokens(job: Job): number {
  const prompt = job.request.token_count > 0 ? job.request.token_count : Math.ceil(job.request.content.length / 4);
  return prompt + (job.request.max_tokens ?? DEFAULT_COMPLETION_ESTIMATE);
}
