import type { AgentResult } from '../contracts/result.js';
import { StreamChunkSchema, StreamTracker } from '../contracts/stream.js';
import type { StreamDelta } from '../contracts/stream.js';
import type { ReplyRecord } from './transport.js';

/** What `AgentSchedClient.stream()` yields, in order; the last event is always the result. */
export type StreamEvent =
  /** A piece of the answer (text and/or tool call pieces, by `index`). */
  | { type: 'delta'; delta: StreamDelta; finish_reason: string | null; model_id: string; attempt: number }
  /** The request is running again (a retry on another model): drop what the earlier deltas showed. */
  | { type: 'restart'; attempt: number }
  /** The complete answer (completed or failed), as `request()` resolves it. */
  | { type: 'result'; result: AgentResult };

/**
 * One request's events as an async iterator. Hand-written (a queue and a waiting reader) because
 * Node's `events.on` cannot end an iteration with a last value or a typed error.
 */
export class ReplyStream implements AsyncIterable<StreamEvent> {
  readonly correlationId: string;
  private readonly queue: StreamEvent[] = [];
  private waiting: ((r: IteratorResult<StreamEvent>) => void) | undefined;
  private failWaiting: ((e: Error) => void) | undefined;
  private done = false;
  private error: Error | undefined;
  private readonly tracker = new StreamTracker();

  constructor(correlationId: string) {
    this.correlationId = correlationId;
  }

  /** A chunk record of this request: passed on, turned into a restart, or dropped when stale. */
  chunk(value: unknown): void {
    const parsed = StreamChunkSchema.safeParse(value);
    if (!parsed.success || this.done) return;
    const c = parsed.data;
    const verdict = this.tracker.accept(c);
    if (verdict === 'stale') return;
    if (verdict === 'restart') this.push({ type: 'restart', attempt: c.attempt });
    this.push({ type: 'delta', delta: c.delta, finish_reason: c.finish_reason ?? null, model_id: c.model_id, attempt: c.attempt });
  }

  finish(result: AgentResult): void {
    this.push({ type: 'result', result });
    this.done = true;
    this.wake();
  }

  fail(error: Error): void {
    if (this.done) return;
    this.error = error;
    this.done = true;
    this.wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    return {
      next: () => {
        const ev = this.queue.shift();
        if (ev) return Promise.resolve({ value: ev, done: false });
        if (this.error) return Promise.reject(this.error);
        if (this.done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting = resolve;
          this.failWaiting = reject;
        });
      },
    };
  }

  private push(ev: StreamEvent): void {
    if (this.done) return;
    this.queue.push(ev);
    this.wake();
  }

  private wake(): void {
    const resolve = this.waiting;
    const reject = this.failWaiting;
    if (!resolve || !reject) return;
    this.waiting = undefined;
    this.failWaiting = undefined;
    const ev = this.queue.shift();
    if (ev) resolve({ value: ev, done: false });
    else if (this.error) reject(this.error);
    else if (this.done) resolve({ value: undefined, done: true });
    else {
      this.waiting = resolve;
      this.failWaiting = reject;
    }
  }
}

/** Parses a chunk record's body (never throws); undefined when it is not JSON. */
export function chunkBody(record: ReplyRecord): { correlation_id?: unknown } | undefined {
  try {
    const body: unknown = JSON.parse(record.value.toString('utf8'));
    return typeof body === 'object' && body !== null ? (body) : undefined;
  } catch {
    return undefined;
  }
}
