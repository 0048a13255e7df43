import type { ModelConfig } from '../config/schema.js';
import type { Priority } from '../contracts/request.js';

/** Live state of one model, summed over its shards. */
export interface ModelLiveState {
  /** Requests currently holding a slot (leases not yet released or reaped). */
  inFlight: number;
  /** Leases whose expiry is still in the future. */
  liveLeases: number;
  /** Epoch ms until which admission skips this model (0 = not cooling down). */
  cooldownUntil: number;
  consecutiveFailures: number;
  processed: number;
  errors: number;
  /** Mean latency of successful calls, ms. */
  avgLatencyMs: number;
  /** Exponentially weighted moving average of latency, ms (alpha documented in the adapter). */
  ewmaLatencyMs: number;
  tokensIn: number;
  tokensOut: number;
  /** Leases reclaimed by the reaper (their holder died or overran its expiry). */
  reaped?: number;
  /** Requests counted in the current rate-limit minute (models with rpm / tpm). */
  windowRequests?: number;
  /** Tokens reserved (then reconciled) in the current rate-limit minute. */
  windowTokens?: number;
}

/** A model as the registry knows it: static description plus live state. */
export interface ModelSnapshot {
  spec: ModelConfig;
  state: ModelLiveState;
}

/** A granted slot. Pass it back to `release` / `extend` unchanged. */
export interface Lease {
  leaseId: string;
  modelId: string;
  /** Which capacity item (shard) of the model holds the lease. */
  shard: number;
  priority: Priority;
  /** Tokens reserved against the model's TPM budget at admission. */
  estimatedTokens: number;
  expiresAt: number;
  /** Rate-limit window (minute) the reservation was counted in; lets release refund an overestimate. */
  rateWindow?: number;
}

export interface AcquireInput {
  modelId: string;
  priority: Priority;
  /** Unique per attempt; a retried write with the same id is detected, never double-counted. */
  leaseId: string;
  /** Token estimate for TPM (token_count / max_tokens based). */
  estimatedTokens: number;
  /** Defaults to the store's lease TTL. */
  ttlMs?: number;
}

export type RefusalReason = 'full' | 'cooldown' | 'rate_limited' | 'unknown_model' | 'duplicate_lease';

export type AcquireOutcome =
  | { granted: true; lease: Lease }
  | { granted: false; reason: RefusalReason; /** When admission may succeed again, if known. */ retryAfterMs?: number };

/**
 * Outcome of `handOff`. Granted: the old lease is gone and `lease` holds the same slot. Refused:
 * `released` tells whether this call freed the old lease (false: it was already released, reaped or
 * handed over — `reason` is then `lease_gone` unless the new request was refused first).
 */
export type HandOffOutcome =
  | { granted: true; lease: Lease }
  | { granted: false; reason: RefusalReason | 'lease_gone'; retryAfterMs?: number; released: boolean };

/** What happened during the call, recorded in the same write as the release. */
export interface CallReport {
  ok: boolean;
  /**
   * Successful calls this report sums (default 1; see `mergeReports`): `latencyMs` and the token
   * counts are then their totals.
   */
  calls?: number;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  /** A failure that should count toward cooldown: 429, 5xx, timeout, connection error. */
  failure?: 'rate_limited' | 'server_error' | 'timeout' | 'connection';
  /** From a 429's Retry-After header. */
  retryAfterMs?: number;
}

export interface ReapResult {
  /** Leases reclaimed (each exactly once). */
  reclaimed: number;
  models: number;
}

/**
 * The capacity table: the truth about what the fleet can take. Every method is safe to call
 * concurrently from any number of processes.
 */
export interface CapacityStore {
  /** Creates the table when missing (local / test use; production tables come from serverless.yml). */
  ensureTable(): Promise<void>;
  /** Adds or updates a model's static description, keeping its live state. */
  putModel(spec: ModelConfig): Promise<void>;
  removeModel(modelId: string): Promise<boolean>;
  listModels(): Promise<ModelSnapshot[]>;
  getModel(modelId: string): Promise<ModelSnapshot | undefined>;
  /** One atomic conditional write per shard tried. */
  acquire(input: AcquireInput): Promise<AcquireOutcome>;
  /** Grants up to `count` slots of one model in one write (batch admission). */
  acquireMany(input: AcquireInput, count: number): Promise<Lease[]>;
  /** Pushes a lease's expiry out; false when the lease is gone (reaped or released). */
  extend(lease: Lease, ttlMs: number): Promise<boolean>;
  /**
   * `extend` for several leases, one write per capacity item where all of that item's leases are
   * still there (else each on its own): outcomes in the leases' order.
   */
  extendMany(leases: readonly Lease[], ttlMs: number): Promise<boolean[]>;
  /** Removes the lease and decrements in-flight in one write; false when already released/reaped. */
  release(lease: Lease, report?: CallReport): Promise<boolean>;
  /**
   * Gives a finished call's slot to the next request of the same model in ONE conditional write:
   * records `report` as `release` would, replaces the old lease entry by the new one, and leaves
   * in-flight unchanged. `next` is admitted under its own rules (priority share counted with the old
   * lease replaced, cooldown — including one this report would start —, rate limits,
   * tag). When `next` is refused the store releases the old lease itself (a second write), so the
   * slot is never kept nor freed twice. `next.modelId` must be the lease's model.
   */
  handOff(lease: Lease, report: CallReport | undefined, next: AcquireInput): Promise<HandOffOutcome>;
  /** Reclaims expired leases with conditional writes: each slot freed exactly once. */
  reap(now?: number): Promise<ReapResult>;
}
