import { InvalidLeaseError } from './errors.js';
import { PRIORITY_CODE, leaseKey } from './items.js';
import type { LeaseEntry } from './items.js';
import { MAX_GRANTS_PER_WRITE, shardOrder } from './plan.js';
import type { ShardPlan } from './plan.js';
import { hasRateLimit, tokenCharge, worstRefusal } from './rules.js';
import type { GrantAttempt, GrantCheck } from './rules.js';
import type { AcquireInput, Lease, RefusalReason } from './types.js';

/** What a store provides to the shared admission loop. */
export interface AdmissionPort {
  now(): number;
  random(): number;
  defaultTtlMs: number;
  /** The model's shard plans (cached); `refresh` forces a fresh read. Undefined: unknown model. */
  plans(modelId: string, refresh: boolean): Promise<ShardPlan[] | undefined>;
  /**
   * Grants `attempt.keys` on one shard in one atomic step, or explains the refusal. `entries` are
   * the lease entries to store (the port sets their rate window `w`). `ok` means granted.
   */
  tryGrant(modelId: string, attempt: GrantAttempt, entries: LeaseEntry[]): Promise<GrantCheck>;
}

export interface AdmissionResult {
  leases: Lease[];
  refusal?: { reason: RefusalReason; retryAfterMs?: number };
}

/** Lease ids of a batch: `<leaseId>#<n>`; a single acquire keeps the caller's id as it is. */
const batchId = (leaseId: string, n: number, batch: boolean): string => (batch ? `${leaseId}#${n}` : leaseId);

/**
 * Grants up to `count` leases of one model: tries its shards in `shardOrder`, one conditional write
 * per attempt, as many leases per write as fit (a refused batch write learns from the returned
 * item how many would fit, and retries with that many). A stale cached spec is reloaded once.
 */
export async function admit(port: AdmissionPort, input: AcquireInput, count: number, batch: boolean): Promise<AdmissionResult> {
  if (!input.leaseId) throw new InvalidLeaseError('leaseId must not be empty');
  if (!Number.isInteger(count) || count < 1) throw new InvalidLeaseError(`count must be a positive integer, got ${count}`);
  const leases: Lease[] = [];
  const reasons: RefusalReason[] = [];
  const retryAfter = new Map<RefusalReason, number>();
  let next = 0;
  for (let pass = 0; pass < 2 && leases.length < count; pass++) {
    const plans = await port.plans(input.modelId, pass > 0);
    if (!plans) return { leases, refusal: { reason: 'unknown_model' } };
    reasons.length = 0;
    let stale = false;
    for (const shard of shardOrder(input.leaseId, plans.length)) {
      const plan = plans[shard]!;
      let want = Math.min(count - leases.length, MAX_GRANTS_PER_WRITE);
      while (want > 0 && leases.length < count) {
        const now = port.now();
        const ttl = input.ttlMs ?? port.defaultTtlMs;
        const tokensEach = tokenCharge(input.estimatedTokens, plan);
        const ids = Array.from({ length: want }, (_, i) => batchId(input.leaseId, next + i, batch));
        const attempt: GrantAttempt = { plan, priority: input.priority, keys: ids.map(leaseKey), tokensEach, now };
        const entries = ids.map((): LeaseEntry => ({
          e: now + ttl, p: PRIORITY_CODE[input.priority], t: tokensEach, r: Math.floor(port.random() * 0xffffff),
        }));
        const check = await port.tryGrant(input.modelId, attempt, entries);
        if (check.ok) {
          for (const leaseId of ids) {
            const lease: Lease = {
              leaseId, modelId: input.modelId, shard, priority: input.priority, estimatedTokens: tokensEach, expiresAt: now + ttl,
            };
            if (hasRateLimit(plan)) lease.rateWindow = check.window;
            leases.push(lease);
          }
          next += want;
          want = Math.min(count - leases.length, MAX_GRANTS_PER_WRITE);
          continue;
        }
        if (check.reason === 'stale' && pass === 0) {
          stale = true;
          break;
        }
        if (check.reason === 'duplicate_lease') return { leases, refusal: { reason: 'duplicate_lease' } };
        if (check.fits > 0 && check.fits < want) {
          want = check.fits;
          continue;
        }
        // Still stale after a reload: the model is being resharded right now; busy, try again later.
        const reason = check.reason === 'stale' || check.reason === 'gone' ? 'full' : check.reason;
        reasons.push(reason);
        if (check.retryAfterMs !== undefined) {
          retryAfter.set(reason, Math.min(retryAfter.get(reason) ?? Infinity, check.retryAfterMs));
        }
        break;
      }
      if (stale || leases.length >= count) break;
    }
    if (!stale) break;
  }
  if (leases.length > 0) return { leases };
  const reason = worstRefusal(reasons.length > 0 ? reasons : ['unknown_model']);
  const after = retryAfter.get(reason);
  return { leases, refusal: after === undefined ? { reason } : { reason, retryAfterMs: after } };
}
