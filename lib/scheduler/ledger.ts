import { createHash } from 'node:crypto';
import type { AgentResult } from '../contracts/result.js';

/** A request's identity for duplicate detection: the original agents' `id` + `correlation_id`. */
export interface RequestKey {
  id: string;
  correlationId: string;
}

export type ClaimOutcome =
  /** This invocation owns the request until `expiresAt`. */
  | { kind: 'claimed' }
  /**
   * Already answered: never call the LLM again. `published: false` means the answer is stored but
   * its publisher's grace ran out before it marked it published (it died or gave up): publish it.
   */
  | { kind: 'done'; result: AgentResult | null; published: boolean }
  /** Another live invocation owns it, or is publishing its answer right now; look again after `until`. */
  | { kind: 'busy'; until: number };

/**
 * After `complete`, the completer has this long to publish and mark the answer before another
 * invocation may publish the stored copy. Without it, a redelivery that looked in between would
 * publish the same answer a second time while the completer is still publishing it.
 */
export const PUBLISH_GRACE_MS = 15_000;

/**
 * The idempotency ledger. Delivery is at least once, so every request is claimed before any LLM
 * call, its result stored before it is published, and marked published after. A redelivery finds
 * the claim or the stored result: no second call, no second, different result.
 */
export interface RequestLedger {
  ensureTable(): Promise<void>;
  /** Reads the state without changing it (`absent`: never claimed, or given up). */
  peek(key: RequestKey): Promise<ClaimOutcome | { kind: 'absent' }>;
  /** `peek` for many keys in as few reads as the store allows (outcomes in the keys' order). */
  peekMany(keys: readonly RequestKey[]): Promise<(ClaimOutcome | { kind: 'absent' })[]>;
  claim(key: RequestKey, owner: string, ttlMs: number): Promise<ClaimOutcome>;
  /**
   * Pushes `owner`'s unanswered claim out to now + `ttlMs` (a heartbeat while its model call runs,
   * so a claim can be short and a dead holder's lapses soon). False when the claim is not `owner`'s
   * any more (it lapsed and another took it, or it was answered).
   */
  extend(key: RequestKey, owner: string, ttlMs: number): Promise<boolean>;
  /**
   * Stores the result and gives its publisher `PUBLISH_GRACE_MS` (others see `busy` meanwhile);
   * false when another owner completed first (then do not publish yours).
   */
  complete(key: RequestKey, result: AgentResult, owner: string): Promise<boolean>;
  markPublished(key: RequestKey): Promise<void>;
  /**
   * Gives `owner`'s hold up: an unanswered claim is deleted (the request is deferred, or the batch
   * will be retried); a stored answer not yet published loses its grace, so the retried batch
   * publishes it at once.
   */
  abandon(key: RequestKey, owner: string): Promise<void>;
}

export function ledgerItemKey(key: RequestKey): string {
  return createHash('sha256').update(key.id).update('\u0000').update(key.correlationId).digest('hex');
}

interface MemoryEntry {
  status: 'in_progress' | 'completed' | 'published';
  owner: string;
  expiresAt: number;
  result: AgentResult | null;
}

/** In-memory ledger with the same semantics, for unit tests of the scheduler's logic. */
export class MemoryLedger implements RequestLedger {
  private readonly entries = new Map<string, MemoryEntry>();

  constructor(private readonly now: () => number = Date.now) {}

  ensureTable(): Promise<void> {
    return Promise.resolve();
  }

  peek(key: RequestKey): Promise<ClaimOutcome | { kind: 'absent' }> {
    return Promise.resolve(this.outcomeOf(this.entries.get(ledgerItemKey(key))) ?? { kind: 'absent' });
  }

  /** What an entry means to another invocation; undefined when it may be claimed. */
  private outcomeOf(e: MemoryEntry | undefined): ClaimOutcome | undefined {
    const now = this.now();
    if (!e) return undefined;
    if (e.status === 'in_progress') return e.expiresAt < now ? undefined : { kind: 'busy', until: e.expiresAt };
    if (e.status === 'completed' && e.expiresAt >= now) return { kind: 'busy', until: e.expiresAt };
    return { kind: 'done', result: e.result, published: e.status === 'published' };
  }

  peekMany(keys: readonly RequestKey[]): Promise<(ClaimOutcome | { kind: 'absent' })[]> {
    return Promise.all(keys.map((k) => this.peek(k)));
  }

  claim(key: RequestKey, owner: string, ttlMs: number): Promise<ClaimOutcome> {
    const k = ledgerItemKey(key);
    const e = this.entries.get(k);
    const now = this.now();
    if (!e || (e.status === 'in_progress' && (e.expiresAt < now || e.owner === owner))) {
      this.entries.set(k, { status: 'in_progress', owner, expiresAt: now + ttlMs, result: null });
      return Promise.resolve({ kind: 'claimed' });
    }
    return Promise.resolve(this.outcomeOf(e) ?? { kind: 'busy', until: now });
  }

  extend(key: RequestKey, owner: string, ttlMs: number): Promise<boolean> {
    const e = this.entries.get(ledgerItemKey(key));
    if (!e || e.status !== 'in_progress' || e.owner !== owner) return Promise.resolve(false);
    e.expiresAt = this.now() + ttlMs;
    return Promise.resolve(true);
  }

  complete(key: RequestKey, result: AgentResult, owner: string): Promise<boolean> {
    const e = this.entries.get(ledgerItemKey(key));
    if (!e || e.status !== 'in_progress') return Promise.resolve(false);
    e.status = 'completed';
    e.result = result;
    e.owner = owner;
    e.expiresAt = this.now() + PUBLISH_GRACE_MS;
    return Promise.resolve(true);
  }

  markPublished(key: RequestKey): Promise<void> {
    const e = this.entries.get(ledgerItemKey(key));
    if (e && e.status === 'completed') e.status = 'published';
    return Promise.resolve();
  }

  abandon(key: RequestKey, owner: string): Promise<void> {
    const k = ledgerItemKey(key);
    const e = this.entries.get(k);
    if (e && e.status === 'in_progress' && e.owner === owner) this.entries.delete(k);
    if (e && e.status === 'completed' && e.owner === owner) e.expiresAt = 0;
    return Promise.resolve();
  }
}
