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
  /** Already answered (or answered but perhaps not yet published): never call the LLM again. */
  | { kind: 'done'; result: AgentResult | null; published: boolean }
  /** Another live invocation owns it; look again after `until`. */
  | { kind: 'busy'; until: number };

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
  /** Stores the result; false when another owner completed first (then do not publish yours). */
  complete(key: RequestKey, result: AgentResult): Promise<boolean>;
  markPublished(key: RequestKey): Promise<void>;
  /** Gives the claim up (the request is being deferred to a later invocation). */
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
    const e = this.entries.get(ledgerItemKey(key));
    if (!e || (e.status === 'in_progress' && e.expiresAt < this.now())) return Promise.resolve({ kind: 'absent' });
    if (e.status === 'in_progress') return Promise.resolve({ kind: 'busy', until: e.expiresAt });
    return Promise.resolve({ kind: 'done', result: e.result, published: e.status === 'published' });
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
    if (e.status === 'in_progress') return Promise.resolve({ kind: 'busy', until: e.expiresAt });
    return Promise.resolve({ kind: 'done', result: e.result, published: e.status === 'published' });
  }

  complete(key: RequestKey, result: AgentResult): Promise<boolean> {
    const e = this.entries.get(ledgerItemKey(key));
    if (!e || e.status !== 'in_progress') return Promise.resolve(false);
    e.status = 'completed';
    e.result = result;
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
    return Promise.resolve();
  }
}
