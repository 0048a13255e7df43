import { callsOf } from '../capacity/report.js';
import type { CallReport, Lease, ModelSnapshot } from '../capacity/types.js';
import type { Priority } from '../contracts/request.js';
import { isCoolingDown } from '../routing/eligible.js';
import type { SchedulerDeps } from './deps.js';

/** Successful calls a slot may carry unreported before it writes their statistics. */
const MAX_UNREPORTED_CALLS = 64;
/**
 * Oldest fleet read a slot may move on by without a write. The write's conditions would refuse a
 * model another container just cooled down (a 429's `Retry-After`); without the write, this
 * container learns of that cooldown only from its next read — at most this late.
 */
export const KEEP_FLEET_MAX_AGE_MS = 250;

/**
 * True when the slot may pass to the next request without writing the capacity item: the model's
 * in-flight count does not change when a slot moves on, so the write would only record the
 * finished call's statistics and renew the lease. Skipped only while nothing else depends on it:
 * the call succeeded (a failure may start a cooldown), the model has no rate limit (every request
 * is charged), both priorities may use the whole model or they are the same (shares count leases
 * by priority), the lease has at least two thirds of its lifetime left (renewed by the next write
 * or the call's keep-alive long before it lapses), and the last fleet read shows the model healthy
 * and not above its capacity (a lowered capacity is applied by the next write) in a read at most
 * {@link KEEP_FLEET_MAX_AGE_MS} old. The statistics go with the slot's next write (`NextRun.unreported`).
 */
export function keepsLease(deps: Pick<SchedulerDeps, 'config' | 'snapshots'>, model: ModelSnapshot, lease: Lease, report: CallReport | undefined, priority: Priority, now: number): boolean {
  if (report && (!report.ok || callsOf(report) >= MAX_UNREPORTED_CALLS)) return false;
  if (deps.snapshots.ageMs() > KEEP_FLEET_MAX_AGE_MS) return false;
  if (model.spec.rpm !== undefined || model.spec.tpm !== undefined) return false;
  const shares = deps.config.capacity.priority_shares;
  if (priority !== lease.priority && (shares[priority] < 1 || shares[lease.priority] < 1)) return false;
  if (lease.expiresAt - now < (deps.config.capacity.lease_ttl_ms * 2) / 3) return false;
  return !isCoolingDown(model, now) && model.state.consecutiveFailures === 0 && model.state.inFlight <= model.spec.capacity;
}
