import { InvalidLeaseError } from './errors.js';
import { PRIORITY_CODE, leaseKey } from './items.js';
import type { LeaseEntry } from './items.js';
import type { ShardPlan } from './plan.js';
import { hasRateLimit, tokenCharge, tokenDelta } from './rules.js';
import type { CooldownPolicy, GrantAttempt, GrantCheck } from './rules.js';
import type { AcquireInput, CallReport, HandOffOutcome, Lease, RefusalReason } from './types.js';

/** What a store provides to the shared hand-off logic. */
export interface HandOffPort {
  now(): number;
  random(): number;
  defaultTtlMs: number;
  cooldown: CooldownPolicy;
  plans(modelId: string, refresh: boolean): Promise<ShardPlan[] | undefined>;
  /**
   * The one atomic step on the old lease's shard: records `report`, replaces `attempt.replaces` by
   * `entry` under `attempt.keys[0]`, in-flight unchanged — or the refusal explained.
   */
  tryHandOff(lease: Lease, report: CallReport | undefined, attempt: GrantAttempt, entry: LeaseEntry): Promise<GrantCheck>;
  release(lease: Lease, report?: CallReport): Promise<boolean>;
}

/**
 * `CapacityStore.handOff`, the same for every store: one conditional write on the old lease's
 * shard (a stale cached spec is reloaded once); when the next request is refused, the old lease is
 * released with its report by a second write, so the caller never has to.
 */
export async function handOff(port: HandOffPort, lease: Lease, report: CallReport | undefined, next: AcquireInput): Promise<HandOffOutcome> {
  if (!next.leaseId) throw new InvalidLeaseError('leaseId must not be empty');
  if (next.modelId !== lease.modelId) {
    throw new InvalidLeaseError(`a lease of ${lease.modelId} cannot be handed to a request for ${next.modelId}`);
  }
  const refuse = async (reason: RefusalReason, retryAfterMs?: number): Promise<HandOffOutcome> => {
    const released = await port.release(lease, report);
    return retryAfterMs === undefined ? { granted: false, reason, released } : { granted: false, reason, retryAfterMs, released };
  };
  // A 429 always cools the model down (README "Cooldown"): its slot is not passed on.
  if (report && !report.ok && report.failure === 'rate_limited') return refuse('cooldown');
  const oldKey = leaseKey(lease.leaseId);
  const newKey = leaseKey(next.leaseId);
  if (newKey === oldKey) return refuse('duplicate_lease');
  for (let pass = 0; pass < 2; pass++) {
    const plans = await port.plans(lease.modelId, pass > 0);
    if (!plans) return refuse('unknown_model');
    const plan = plans[lease.shard];
    if (!plan) continue;
    const now = port.now();
    const ttl = next.ttlMs ?? port.defaultTtlMs;
    const tokensEach = tokenCharge(next.estimatedTokens, plan);
    const attempt: GrantAttempt = { plan, priority: next.priority, keys: [newKey], tokensEach, now, replaces: oldKey };
    // A failure that would reach the threshold starts a cooldown: then no new call on this model.
    if (report && !report.ok && report.failure) attempt.maxFailures = port.cooldown.failure_threshold - 2;
    if (report && lease.rateWindow !== undefined) attempt.released = { delta: tokenDelta(lease.estimatedTokens, report), window: lease.rateWindow };
    const entry: LeaseEntry = { e: now + ttl, p: PRIORITY_CODE[next.priority], t: tokensEach, r: Math.floor(port.random() * 0xffffff) };
    const check = await port.tryHandOff(lease, report, attempt, entry);
    if (check.ok) {
      const granted: Lease = {
        leaseId: next.leaseId, modelId: lease.modelId, shard: lease.shard, priority: next.priority, estimatedTokens: tokensEach, expiresAt: now + ttl,
      };
      if (hasRateLimit(plan)) granted.rateWindow = check.window;
      return { granted: true, lease: granted };
    }
    // Released, reaped or handed over already: nothing to free, nothing to give.
    if (check.reason === 'gone') return { granted: false, reason: 'lease_gone', released: false };
    if (check.reason === 'stale' && pass === 0) continue;
    // Still stale after a reload: the model is being resharded; busy, as admission reports it.
    return refuse(check.reason === 'stale' ? 'full' : check.reason, check.retryAfterMs);
  }
  // The lease's shard is not in the model's layout any more: only a release can free it.
  return refuse('full');
}
