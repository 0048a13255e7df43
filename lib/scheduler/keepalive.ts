import type { Lease } from '../capacity/types.js';
import type { SchedulerDeps } from './deps.js';
import type { Job } from './job.js';

/**
 * What a running model call keeps alive, and stops when it ends:
 * - its slot lease, extended every half `capacity.lease_ttl_ms`, so the reaper never reclaims a
 *   live slot however long the call takes;
 * - its request's ledger claim, renewed every third of `claimTtlMs`, so the claim can be short and a
 *   crashed holder's lapses soon. A lost claim (it lapsed during a stall and another invocation
 *   took it) is only logged: the first to store a result answers, the other stays silent.
 * Failed writes are logged; the next tick tries again.
 */
export function keepCallAlive(deps: SchedulerDeps, job: Job, lease: Lease, claimTtlMs: number): () => void {
  const leaseTtl = deps.config.capacity.lease_ttl_ms;
  const leaseTimer = setInterval(() => {
    deps.store.extend(lease, leaseTtl).catch((err: unknown) => {
      deps.logger.warn('lease extension failed', { modelId: lease.modelId, error: (err as Error).message });
    });
  }, Math.max(500, leaseTtl / 2));
  const claimTimer = setInterval(() => {
    deps.ledger.extend(job.key, deps.ownerId, claimTtlMs).then(
      (held) => {
        if (!held) deps.logger.warn('request claim lost during the call', { correlationId: job.key.correlationId });
      },
      (err: unknown) => deps.logger.warn('request claim extension failed', { correlationId: job.key.correlationId, error: (err as Error).message }),
    );
  }, claimTtlMs / 3);
  leaseTimer.unref();
  claimTimer.unref();
  return () => {
    clearInterval(leaseTimer);
    clearInterval(claimTimer);
  };
}
