import type { AgentResult } from '../contracts/result.js';
import type { Priority, TaskType } from '../contracts/request.js';

/**
 * The wait queue is also each request's durable record from the moment the schedule function
 * registers it until its answer is published: one item per request (id + correlation id), whose
 * state moves waiting → running → completed → published. Once a Kafka offset is committed this item
 * is the only record of the request, so nothing leaves it except into a stored, published answer.
 *
 * - waiting:   in the priority order (virtual time — arrival plus `aging_ms` per level below high —
 *              then deadline, first seen; see key.ts); any dispatcher may claim it.
 * - running:   claimed by one `call` invocation (`owner`) until `until` (short, renewed while the
 *              call runs). A lapsed claim makes it claimable again: a dead call's request comes back
 *              by itself, found by `lapsed()`.
 * - completed: the answer is stored; its completer has until `until` to publish it and mark it.
 *              After that, whoever claims it publishes the stored answer (never calls a model).
 * - published: done; kept (with a TTL) so a redelivered record is recognised and not run again.
 */
export type QueueState = 'waiting' | 'running' | 'completed' | 'published';

/** A request's identity for duplicate detection: the original agents' `id` + `correlation_id`. */
export interface RequestKey {
  id: string;
  correlationId: string;
}

/** Where a request came from, to answer it (reply key) and dead-letter it (raw bytes). */
export interface StoredRecord {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  /** Record key, base64; null when the record had none. */
  keyBase64: string | null;
  /** The record's value as it arrived, base64 (for the dead letter). */
  valueBase64: string;
  headers: Record<string, string>;
}

/** What a failed attempt leaves for the next one. */
export interface RetryState {
  /** Model calls made so far. */
  attempts: number;
  /** Attempts that count toward `max_attempts` (a 429 does not: the model did no work). */
  countedAttempts: number;
  /** Models that failed this request: tried last. */
  failedModels: string[];
  /** Not to be started before this time (backoff), epoch ms; 0 = at once. */
  notBefore: number;
  lastError?: { code: 'model_error' | 'rate_limited' | 'timeout'; message: string; modelId: string };
}

/** A request as registered by the schedule function. */
export interface QueueEntry extends RetryState {
  key: RequestKey;
  priority: Priority;
  taskType: TaskType;
  /** The model the request pins, if any. */
  modelId: string | null;
  /** Absolute deadline, epoch ms. */
  deadline: number;
  /** When the request first reached a topic. */
  firstSeen: number;
  /** Tokens reserved against a TPM limit at admission. */
  estimatedTokens: number;
  /** The decoded request object (decoded again by the reader; never logged). */
  request: Record<string, unknown>;
  record: StoredRecord;
}

/** An entry with its lifecycle state, as read back. */
export interface QueueItem extends QueueEntry {
  state: QueueState;
  /** The running call's or the publishing completer's invocation id. */
  owner?: string;
  /** Running: claim expiry; completed: end of the completer's publish grace. Epoch ms. */
  until?: number;
  /** The stored answer (completed / published; null when it was too large to store). */
  result?: AgentResult | null;
}

export type EnqueueOutcome =
  /** New: now waiting. */
  | { kind: 'queued' }
  /** Registered before (a redelivery, or an agent that sent it twice): nothing changed. */
  | { kind: 'present'; item: QueueItem };

export type ClaimOutcome =
  /** Waiting, or running under a lapsed claim (its call died): run it. */
  | { kind: 'claimed'; item: QueueItem }
  /** Completed under a lapsed grace (its publisher died): publish `item.result`, never call a model. */
  | { kind: 'publish'; item: QueueItem }
  /** Another live owner holds it (running, or publishing within its grace) until `until`. */
  | { kind: 'busy'; until: number }
  /** Waiting but not due yet (backoff) until `until`. */
  | { kind: 'not_due'; until: number }
  | { kind: 'published'; item: QueueItem }
  | { kind: 'absent' };

/** Which waiting requests a reader wants. */
export interface WaitingQuery {
  now: number;
  /** At most this many per priority (best first). */
  limit: number;
  /** Default all three. */
  priorities?: readonly Priority[];
  /** Only requests this model can serve: a task it supports, and not pinned to another model. */
  model?: { id: string; tasks: readonly TaskType[] };
  /**
   * One list across priorities in the stored order — virtual time (priority with aging), then
   * deadline, then first seen — at most `limit` in all: a single read per shard.
   */
  merged?: boolean;
}

/**
 * The durable, shared wait queue (and request record). Every method is safe to call concurrently
 * from any number of processes; every state change is one conditional single-item write.
 */
export interface WorkQueue {
  /** Creates the table when missing (local / test use; production tables come from serverless.yml). */
  ensureTable(): Promise<void>;
  /**
   * Registers each entry as waiting unless its key is registered already (in any state): idempotent,
   * so a redelivered batch changes nothing. Outcomes in the entries' order.
   */
  enqueue(entries: readonly QueueEntry[]): Promise<EnqueueOutcome[]>;
  /**
   * Registers an entry already claimed by `owner` until now + `ttlMs` (running: its slot was leased
   * before it was registered — the fast path when the fleet has room). `present` when registered
   * before; then nothing changed and the caller holds no claim.
   */
  enqueueClaimed(entry: QueueEntry, owner: string, ttlMs: number, now: number): Promise<EnqueueOutcome>;
  /**
   * Registers an entry already answered (an invalid record, keyed by its topic position): stored as
   * completed, owned by `owner` with a publish grace of `graceMs`. `present` when registered before.
   */
  storeAnswer(entry: QueueEntry, result: AgentResult, owner: string, graceMs: number, now: number): Promise<EnqueueOutcome>;
  /**
   * The best waiting requests, strongly consistent: per priority (its own) in the order, at most
   * `limit` each, concatenated high → low — or one merged list across priorities (`query.merged`). Items are
   * summaries: everything but the payloads (`request` holds at most `session_id`; the record is
   * empty); `claim` or `get` returns the whole item. Includes entries not
   * yet due (`notBefore > now`) and past their deadline: the caller decides.
   */
  waiting(query: WaitingQuery): Promise<QueueItem[]>;
  /** Claims `key` for `owner` until now + `ttlMs` (see {@link ClaimOutcome}). */
  claim(key: RequestKey, owner: string, ttlMs: number, now: number): Promise<ClaimOutcome>;
  /**
   * Moves a running claim from `fromOwner` to `toOwner` (until now + `ttlMs`), returning the item;
   * undefined when the claim is not `fromOwner`'s (another copy of the same doorbell adopted it).
   */
  adopt(key: RequestKey, fromOwner: string, toOwner: string, ttlMs: number, now: number): Promise<QueueItem | undefined>;
  /** Pushes `owner`'s running claim (or publish grace) out to now + `ttlMs`; false when not `owner`'s any more. */
  extend(key: RequestKey, owner: string, ttlMs: number, now: number): Promise<boolean>;
  /** running & `owner` → completed with `result`, publish grace until now + `graceMs`. False when not `owner`'s. */
  complete(key: RequestKey, owner: string, result: AgentResult, graceMs: number, now: number): Promise<boolean>;
  /** completed & `owner` → published (kept for `retentionS` via TTL). */
  markPublished(key: RequestKey, owner: string, now: number): Promise<void>;
  /** running & `owner` → waiting again, with the retry state given (a failed attempt, or a hand-back). */
  requeue(key: RequestKey, owner: string, retry: RetryState, now: number): Promise<boolean>;
  /** Running or completed items whose `until` has passed (their owner died): at most `limit`, as summaries (see `waiting`). */
  lapsed(now: number, limit: number): Promise<QueueItem[]>;
  /** One item, strongly consistent. */
  get(key: RequestKey): Promise<QueueItem | undefined>;
  /** Waiting requests per priority (exact count; for metrics and tests). */
  depth(): Promise<Record<Priority, number>>;
}
