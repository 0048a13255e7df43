import type { Lease } from '../capacity/types.js';
import type { RequestKey } from '../queue/types.js';
import { containerState } from './container-state.js';
import type { Held, Keeper } from './container-state.js';
import type { SchedulerDeps } from './deps.js';

/**
 * What a running model call keeps alive, and stops when it ends: its slot lease
 * (`capacity.lease_ttl_ms`) and its claim on the request in the queue (`scheduler.claim_ttl_ms`).
 * Both are short, so a dead holder's slot and request come back within seconds; renewed, so a long
 * generation never loses them.
 *
 * One ticker per container renews what all its running calls hold, every sixth of the shorter
 * lifetime: a lease or claim with two thirds or less of its lifetime left is renewed, so each is
 * renewed when it is a third to a half through (two failed ticks in a row are still survived). The
 * renewals of one tick go out together: the leases of one capacity item in one write
 * (`CapacityStore.extendMany`), the claims in one batched queue write (lib/queue/README.md,
 * "Batched writes") — not two writes per call every third of a lifetime. A lost claim (it lapsed
 * during a stall and another call took the request) is only logged: the first to store an answer
 * wins, the other stays silent. Failed writes are logged; the next tick tries again.
 */
export function keepCallAlive(deps: SchedulerDeps, key: RequestKey, owner: string, lease: Lease): () => void {
  const { keeper } = containerState(deps);
  const held: Held = { key, owner, lease, claimUntil: deps.clock.now() + deps.config.scheduler.claim_ttl_ms, lost: false };
  keeper.held.add(held);
  if (!keeper.timer) {
    const period = Math.max(100, Math.min(deps.config.capacity.lease_ttl_ms, deps.config.scheduler.claim_ttl_ms) / 6);
    keeper.timer = setInterval(() => void tick(deps, keeper), period);
    keeper.timer.unref();
  }
  return () => {
    keeper.held.delete(held);
    if (keeper.held.size === 0 && keeper.timer) {
      clearInterval(keeper.timer);
      keeper.timer = undefined;
    }
  };
}

async function tick(deps: SchedulerDeps, keeper: Keeper): Promise<void> {
  if (keeper.busy) return;
  keeper.busy = true;
  try {
    const now = deps.clock.now();
    const leaseTtl = deps.config.capacity.lease_ttl_ms;
    const claimTtl = deps.config.scheduler.claim_ttl_ms;
    const held = [...keeper.held];
    const leases = held.filter((h) => h.lease.expiresAt - now <= (leaseTtl * 2) / 3).map((h) => h.lease);
    const claims = held.filter((h) => !h.lost && h.claimUntil - now <= (claimTtl * 2) / 3);
    const warn = (what: string) => (err: unknown) => deps.logger.warn(`${what} failed`, { calls: held.length, error: (err as Error).message });
    await Promise.all([
      leases.length > 0 ? deps.store.extendMany(leases, leaseTtl).catch(warn('lease extension')) : undefined,
      ...claims.map((h) =>
        deps.queue.extend(h.key, h.owner, claimTtl, now).then((kept) => {
          if (kept) h.claimUntil = now + claimTtl;
          else {
            h.lost = true;
            deps.logger.warn('request claim lost during the call', { correlationId: h.key.correlationId });
          }
        }, warn('request claim extension')),
      ),
    ]);
  } catch (err) {
    // Never an unhandled rejection from a timer: the next tick tries again.
    deps.logger.warn('renewal tick failed', { error: (err as Error).message });
  } finally {
    keeper.busy = false;
  }
}
