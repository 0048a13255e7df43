import type { ModelSnapshot } from '../capacity/types.js';
import type { RoutingRequest } from './types.js';

/** Why no model can ever serve a request (the scheduler answers `failed` rather than waiting). */
export type IneligibleReason = 'no_capable_model' | 'unknown_model';

export interface Eligibility {
  /** Models that may serve the request; cooling-down ones last, soonest to recover first. */
  eligible: ModelSnapshot[];
  /** Set when `eligible` is empty. */
  reason?: IneligibleReason;
}

/** True while admission would refuse the model because it is cooling down. */
export function isCoolingDown(s: ModelSnapshot, now: number): boolean {
  return s.state.cooldownUntil > now;
}

/**
 * The models that support the request's task type and, when the request names a `model_id`, are
 * that model. Cooling-down models stay in the list (when every model is cooling down the scheduler
 * waits for the first to recover) but come last.
 */
export function eligibleModels(request: RoutingRequest, models: readonly ModelSnapshot[], now: number): Eligibility {
  let pool = models;
  if (request.model_id != null) {
    pool = models.filter((m) => m.spec.id === request.model_id);
    if (pool.length === 0) return { eligible: [], reason: 'unknown_model' };
  }
  const capable = pool.filter((m) => m.spec.supported_tasks.includes(request.task_type));
  if (capable.length === 0) return { eligible: [], reason: 'no_capable_model' };
  const { ready, cooling } = splitCooling(capable, now);
  return { eligible: [...ready, ...cooling] };
}

/**
 * Separates models admission would refuse for cooldown. `cooling` is ordered by recovery time,
 * so the model that comes back first is tried first.
 */
export function splitCooling(models: readonly ModelSnapshot[], now: number): { ready: ModelSnapshot[]; cooling: ModelSnapshot[] } {
  const ready: ModelSnapshot[] = [];
  const cooling: ModelSnapshot[] = [];
  for (const m of models) (isCoolingDown(m, now) ? cooling : ready).push(m);
  cooling.sort((a, b) => a.state.cooldownUntil - b.state.cooldownUntil);
  return { ready, cooling };
}
