import type { AgentResult } from '../contracts/result.js';
import { RequestAbortedError, RequestTimeoutError } from './errors.js';

/** The timer functions the registry uses; injected by tests that control time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What happened to a reply handed to {@link PendingReplies.settle}. */
export type ReplyOutcome =
  | 'resolved'
  /** Its request already timed out, was aborted, or the client closed. */
  | 'late'
  /** Its request was already answered (at-least-once delivery). */
  | 'duplicate'
  /** No request of this client has this correlation id (or it is too old to remember). */
  | 'unknown';

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface PendingCounts {
  resolved: number;
  timedOut: number;
  aborted: number;
  rejected: number;
  late: number;
  duplicate: number;
  unknown: number;
}

interface Entry {
  resolve: (result: AgentResult) => void;
  reject: (error: Error) => void;
  timer: unknown;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Requests waiting for their reply, keyed by correlation id. Every way out (reply, timeout, abort,
 * rejection) clears the timer and the abort listener, and remembers the id for a while so a reply
 * arriving afterwards is told apart (late or duplicate) from one that was never ours.
 */
export class PendingReplies {
  private readonly entries = new Map<string, Entry>();
  /** Recently settled ids → whether they were answered. Insertion order = age. */
  private readonly settled = new Map<string, 'answered' | 'expired'>();
  private readonly counters: PendingCounts = { resolved: 0, timedOut: 0, aborted: 0, rejected: 0, late: 0, duplicate: 0, unknown: 0 };

  constructor(
    private readonly timers: Timers = realTimers,
    /** How many settled ids are remembered. */
    private readonly memory = 50_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  has(correlationId: string): boolean {
    return this.entries.has(correlationId);
  }

  counts(): PendingCounts {
    return { ...this.counters };
  }

  /**
   * Registers `correlationId` (synchronously, before the promise is returned) and resolves with
   * its reply. Rejects with {@link RequestTimeoutError} or {@link RequestAbortedError}.
   * The caller makes sure the id is not pending already.
   */
  wait(correlationId: string, opts: WaitOptions): Promise<AgentResult> {
    return new Promise<AgentResult>((resolve, reject) => {
      const entry: Entry = { resolve, reject, timer: undefined, signal: opts.signal, onAbort: undefined };
      this.entries.set(correlationId, entry);
      entry.timer = this.timers.setTimeout(() => {
        if (this.take(correlationId, 'expired')) {
          this.counters.timedOut += 1;
          reject(new RequestTimeoutError(correlationId, opts.timeoutMs));
        }
      }, opts.timeoutMs);
      if (opts.signal) {
        const signal = opts.signal;
        entry.onAbort = () => {
          if (this.take(correlationId, 'expired')) {
            this.counters.aborted += 1;
            reject(new RequestAbortedError(correlationId, { cause: signal.reason }));
          }
        };
        if (signal.aborted) entry.onAbort();
        else signal.addEventListener('abort', entry.onAbort, { once: true });
      }
    });
  }

  /** Hands a reply to its waiting request, if there is one. */
  settle(result: AgentResult): ReplyOutcome {
    const id = result.correlation_id;
    const entry = this.take(id, 'answered');
    if (entry) {
      this.counters.resolved += 1;
      entry.resolve(result);
      return 'resolved';
    }
    const before = this.settled.get(id);
    const outcome: ReplyOutcome = before === 'expired' ? 'late' : before === 'answered' ? 'duplicate' : 'unknown';
    this.counters[outcome] += 1;
    return outcome;
  }

  /** Rejects one waiting request (its publish failed). False when it was no longer waiting. */
  reject(correlationId: string, error: Error): boolean {
    const entry = this.take(correlationId, 'expired');
    if (!entry) return false;
    this.counters.rejected += 1;
    entry.reject(error);
    return true;
  }

  /** Rejects every waiting request with the error `errorFor` gives it (the client is closing). */
  rejectAll(errorFor: (correlationId: string) => Error): number {
    const ids = [...this.entries.keys()];
    for (const id of ids) this.reject(id, errorFor(id));
    return ids.length;
  }

  private take(correlationId: string, how: 'answered' | 'expired'): Entry | undefined {
    const entry = this.entries.get(correlationId);
    if (!entry) return undefined;
    this.entries.delete(correlationId);
    this.timers.clearTimeout(entry.timer);
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    this.remember(correlationId, how);
    return entry;
  }

  private remember(correlationId: string, how: 'answered' | 'expired'): void {
    this.settled.delete(correlationId);
    this.settled.set(correlationId, how);
    if (this.settled.size > this.memory) {
      const oldest = this.settled.keys().next();
      if (!oldest.done) this.settled.delete(oldest.value);
    }
  }
}
