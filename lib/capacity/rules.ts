import type { Priority } from '../contracts/request.js';
import type { ShardState } from './items.js';
import type { ShardPlan } from './plan.js';
import type { CallReport, RefusalReason } from './types.js';

/**
 * The admission rules as pure functions. The in-memory store applies them directly; the DynamoDB
 * store expresses the same rules as condition expressions and uses these functions to explain a
 * refused write from the item it returns (ALL_OLD), so both stores agree by construction.
 */

export const RATE_WINDOW_MS = 60_000;
/** Weight of the newest latency in the EWMA. */
export const EWMA_ALPHA = 0.2;

/** The rate-limit window (minute number since the epoch) that `now` falls in. */
export const rateWindow = (now: number): number => Math.floor(now / RATE_WINDOW_MS);

/** One grant attempt on one shard: `count` new leases for one priority. */
export interface GrantAttempt {
  plan: ShardPlan;
  priority: Priority;
  /** Lease keys (`leaseKey`) the write would add. */
  keys: string[];
  /** Tokens each lease reserves (already clamped with `tokenCharge`). */
  tokensEach: number;
  now: number;
  /**
   * Hand-off: the lease key given up in the same write. It must still be held, and the priority
   * limit is checked with it replaced (`inFlight <= limit` instead of `inFlight <= limit − 1`).
   */
  replaces?: string;
  /** Hand-off of a failed call: the shard's failure streak must be at most this before it, so the write starts no cooldown. */
  maxFailures?: number;
  /** Hand-off on a rated model: the finished call's token reconciliation, applied in the same write. */
  released?: ReleasedTokens;
}

/** Real usage minus reservation of a finished call, and the window its reservation was counted in. */
export interface ReleasedTokens {
  delta: number;
  window: number | undefined;
}

/**
 * Tokens a hand-off adds to the stored window for the finished call, exactly as release + acquire
 * would: overuse is charged, a refund given back only to the reservation's own window, and nothing
 * when the write starts a new window (release would have touched the old one, which is discarded).
 */
export function releasedCarry(r: ReleasedTokens | undefined, window: number, rollover: boolean): number {
  if (!r || rollover) return 0;
  return r.delta > 0 || (r.delta < 0 && r.window === window) ? r.delta : 0;
}

export type GrantCheck =
  | { ok: true; /** The write must start a new rate window. */ rollover: boolean; window: number }
  | {
      ok: false;
      /**
       * `stale`: the item is missing or was written with another spec (capacity / limits changed):
       * reload it. `gone`: the lease a hand-off gives up is no longer held.
       */
      reason: RefusalReason | 'stale' | 'gone';
      retryAfterMs?: number;
      /** How many of the requested leases would fit now (for batch admission); 0 unless full / rate-limited. */
      fits: number;
    };

/**
 * Tokens one lease reserves: the estimate, but never more than the shard's whole TPM budget, so a
 * request larger than a minute's budget still runs (alone) in an empty window instead of never.
 */
export function tokenCharge(estimated: number, plan: ShardPlan): number {
  const est = Math.max(0, Math.ceil(estimated));
  return plan.tpm === undefined ? est : Math.min(est, plan.tpm);
}

export const hasRateLimit = (plan: ShardPlan): boolean => plan.rpm !== undefined || plan.tpm !== undefined;

/** Decides an attempt against a shard's current state. */
export function checkGrant(state: ShardState | undefined, a: GrantAttempt): GrantCheck {
  const refuse = (reason: RefusalReason | 'stale' | 'gone', fits = 0, retryAfterMs?: number): GrantCheck =>
    retryAfterMs === undefined ? { ok: false, reason, fits } : { ok: false, reason, fits, retryAfterMs };
  // A missing shard item or another tag: the cached spec is out of date (or the model is gone).
  if (!state || state.tag !== a.plan.tag) return refuse('stale');
  if (a.keys.some((k) => state.leases[k] !== undefined)) return refuse('duplicate_lease');
  if (a.replaces !== undefined && state.leases[a.replaces] === undefined) return refuse('gone');
  if (state.cooldownUntil > a.now) return refuse('cooldown', 0, state.cooldownUntil - a.now);
  // The failed call being handed off would start a cooldown: no new call on this model.
  if (a.maxFailures !== undefined && state.failures > a.maxFailures) return refuse('cooldown');

  const count = a.keys.length;
  // A hand-off replaces one of the counted leases.
  const held = state.inFlight - (a.replaces === undefined ? 0 : 1);
  const slotsFree = Math.max(0, a.plan.limits[a.priority] - held);
  const ourWindow = rateWindow(a.now);
  // A peer whose clock runs ahead may already have opened a later window: count in that one.
  const window = Math.max(ourWindow, state.rlWin);
  const rollover = hasRateLimit(a.plan) && state.rlWin < window;
  let rateFree = Number.POSITIVE_INFINITY;
  if (hasRateLimit(a.plan)) {
    const req = rollover ? 0 : state.rlReq;
    const tok = rollover ? 0 : state.rlTok + releasedCarry(a.released, window, rollover);
    if (a.plan.rpm !== undefined) rateFree = Math.min(rateFree, Math.max(0, a.plan.rpm - req));
    if (a.plan.tpm !== undefined) {
      // Reconciliation may push a window past its budget (usage above the estimate): then nothing fits.
      const room = a.plan.tpm - tok;
      const n = room < 0 ? 0 : a.tokensEach > 0 ? Math.floor(room / a.tokensEach) : Number.POSITIVE_INFINITY;
      rateFree = Math.min(rateFree, n);
    }
  }
  const fits = Math.min(count, slotsFree, rateFree);
  if (slotsFree < count) return refuse('full', fits);
  if (rateFree < count) return refuse('rate_limited', fits, (window + 1) * RATE_WINDOW_MS - a.now);
  return { ok: true, rollover, window };
}

/** Reason reported when every shard refused: full wins (capacity), then rate limits, then cooldown. */
export function worstRefusal(reasons: RefusalReason[]): RefusalReason {
  const order: RefusalReason[] = ['duplicate_lease', 'full', 'rate_limited', 'cooldown', 'unknown_model'];
  return order.find((r) => reasons.includes(r)) ?? 'unknown_model';
}

/** Cooldown policy (config `capacity.cooldown`). */
export interface CooldownPolicy {
  failure_threshold: number;
  base_ms: number;
  max_ms: number;
}

export const DEFAULT_COOLDOWN: CooldownPolicy = { failure_threshold: 3, base_ms: 5_000, max_ms: 60_000 };

/**
 * How long a model cools down after a failed call, or undefined when it does not.
 * `failures` is the count of consecutive failures including this one. A 429 always cools down;
 * other failures from the threshold on. Duration: `min(max_ms, max(retryAfter, base_ms × 2^(n − threshold)))`.
 */
export function cooldownMs(failures: number, report: CallReport, policy: CooldownPolicy): number | undefined {
  if (report.ok || report.failure === undefined) return undefined;
  if (report.failure !== 'rate_limited' && failures < policy.failure_threshold) return undefined;
  const doublings = Math.min(30, Math.max(0, failures - policy.failure_threshold));
  const backoff = policy.base_ms * 2 ** doublings;
  return Math.min(policy.max_ms, Math.max(report.retryAfterMs ?? 0, backoff));
}

/** Next EWMA value; the first sample starts the average. */
export function nextEwma(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous + EWMA_ALPHA * (sample - previous);
}

/** Change to the window's token count at release: the real usage minus what was reserved. */
export function tokenDelta(reserved: number, report: CallReport | undefined): number {
  if (!report) return 0;
  return report.promptTokens + report.completionTokens - reserved;
}
