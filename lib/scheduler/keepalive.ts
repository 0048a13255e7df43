import type { Lease } from '../capacity/types.js';
import type { RequestKey } from '../queue/types.js';
import type { SchedulerDeps } from './deps.js';

/**
 * What a running model call keeps alive, and stops when it ends: its slot lease (renewed every
 * third of `capacity.lease_ttl_ms`) and its claim on the request in the queue (every third of
 * `scheduler.claim_ttl_ms`). Both are short, so a dead holder's slot and request come back within
 * seconds; renewed, so a long generation never loses them. A lost claim (it lapsed during a stall
 * and another call took the request) is only logged: the first to store an answer wins, the other
 * stays silent. Failed writes are logged; the next tick tries again.
 */
export function keepCallAlive(deps: SchedulerDeps, key: RequestKey, owner: string, lease: Lease): () => void {
  const leaseTtl = deps.config.capacity.lease_ttl_ms;
  const claimTtl = deps.config.scheduler.claim_ttl_ms;
  const warn = (what: string) => (err: unknown) => deps.logger.warn(`${what} failed`, { correlationId: key.correlationId, error: (err as Error).message });
  const leaseTimer = setInterval(() => {
    deps.store.extend(lease, leaseTtl).catch(warn('lease extension'));
  }, Math.max(300, leaseTtl / 3));
  const claimTimer = setInterval(() => {
    deps.queue.extend(key, owner, claimTtl, deps.clock.now()).then((held) => {
      if (!held) deps.logger.warn('request claim lost during the call', { correlationId: key.correlationId });
    }, warn('request claim extension'));
  }, Math.max(300, claimTtl / 3));
  leaseTimer.unref();
  claimTimer.unref();
  return () => {
    clearInterval(leaseTimer);
    clearInterval(claimTimer);
  };
}
