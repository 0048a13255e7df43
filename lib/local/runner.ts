import { toError } from '../errors/index.js';
import { encodeKafkaEvent } from '../kafka/event.js';
import type { EventKind } from '../kafka/event.js';
import { RetriesExhaustedError } from './errors.js';
import type { Invoker } from './invoker.js';
import { nextBatch } from './batching.js';
import type { PartitionState } from './batching.js';
import type { Delivery, DeliveryOutcome, EventSource, SubscriptionHandle } from './source.js';

/** One event source mapping: a consumer group feeding the function from some topics. */
export interface MappingOptions {
  name: string;
  topics: string[];
  groupId: string;
  /** Records per invocation, 1–10,000 (Lambda's default 100). */
  batchSize?: number;
  /** How long a partial batch may wait for more records (Lambda's Kafka default 500 ms). */
  batchWindowMs?: number;
  /** Where a group without committed offsets starts. Default `LATEST`, as in Lambda. */
  startingPosition?: 'LATEST' | 'TRIM_HORIZON';
}

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  /** Invocations of one batch before it is skipped. Default: retry forever, as Lambda does. */
  maxAttempts?: number;
}

/** Where a failure happened; never the records themselves. */
export interface BatchContext {
  mapping: string;
  topic: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
  /** 1 for the first invocation of this batch. */
  attempt: number;
}

export interface EventSourceRunnerOptions {
  mappings: MappingOptions[];
  source: EventSource;
  invoker: Invoker;
  retry?: RetryPolicy;
  /** Shape of the event the function receives. Default `self-managed`. */
  eventKind?: EventKind;
  eventSourceArn?: string;
  /** Lambda's per-invocation payload limit (6 MB); a batch is cut before it would exceed it. */
  maxPayloadBytes?: number;
  /** Every failed invocation, and every batch skipped after `maxAttempts`. */
  onError?: (error: Error, context: BatchContext) => void;
  now?: () => number;
}

export interface RunnerStats {
  invocations: number;
  failedInvocations: number;
  /** Records whose offsets were committed. */
  recordsCommitted: number;
  skippedBatches: number;
}

interface ResolvedMapping extends Required<MappingOptions> {
  partitions: Map<string, PartitionState>;
}

const DEFAULT_RETRY: RetryPolicy = { baseMs: 500, maxMs: 30_000 };

/**
 * Reproduces the Lambda Kafka event source mapping: per partition, batches of up to
 * `batchSize` records (waiting up to `batchWindowMs` for a partial one), one batch in flight
 * per partition, partitions in parallel, offsets committed only after the function returns,
 * and a failed batch retried whole, with backoff, never skipped (unless `maxAttempts`).
 */
export class EventSourceRunner {
  private readonly mappings: ResolvedMapping[];
  private readonly retry: RetryPolicy;
  private readonly now: () => number;
  private readonly onError: (error: Error, context: BatchContext) => void;
  private readonly handles: SubscriptionHandle[] = [];
  private readonly counters: RunnerStats = { invocations: 0, failedInvocations: 0, recordsCommitted: 0, skippedBatches: 0 };
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';

  constructor(private readonly opts: EventSourceRunnerOptions) {
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.now = opts.now ?? Date.now;
    this.onError = opts.onError ?? reportToStderr;
    this.mappings = opts.mappings.map((m) => ({
      name: m.name,
      topics: m.topics,
      groupId: m.groupId,
      batchSize: m.batchSize ?? 100,
      batchWindowMs: m.batchWindowMs ?? 0,
      startingPosition: m.startingPosition ?? 'LATEST',
      partitions: new Map(),
    }));
    for (const m of this.mappings) {
      if (m.batchSize < 1 || m.batchSize > 10_000) throw new RangeError(`${m.name}: batchSize must be 1–10,000`);
      if (m.batchWindowMs < 0 || m.batchWindowMs > 300_000) throw new RangeError(`${m.name}: batchWindowMs must be 0–300,000`);
    }
  }

  /** Joins every mapping's consumer group; resolves once all are delivering. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`runner cannot start: it is ${this.state}`);
    this.state = 'running';
    try {
      for (const m of this.mappings) {
        const subscription = { groupId: m.groupId, topics: m.topics, fromBeginning: m.startingPosition === 'TRIM_HORIZON' };
        this.handles.push(await this.opts.source.subscribe(subscription, (d) => this.deliver(m, d)));
      }
    } catch (err: unknown) {
      await this.stop();
      throw err;
    }
  }

  /** Stops fetching, waits for in-flight batches and their commits, leaves the groups. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    await Promise.all(this.handles.map((h) => h.stop()));
    this.state = 'stopped';
  }

  stats(): RunnerStats {
    return { ...this.counters };
  }

  private async deliver(m: ResolvedMapping, d: Delivery): Promise<DeliveryOutcome | void> {
    const key = `${d.topic}-${d.partition}`;
    let state = m.partitions.get(key);
    if (!state) m.partitions.set(key, (state = {}));
    let rest = d.records;
    while (rest.length > 0) {
      if (!d.isActive() || this.state !== 'running') return;
      const plan = nextBatch(state, rest, {
        batchSize: m.batchSize,
        batchWindowMs: m.batchWindowMs,
        maxPayloadBytes: this.opts.maxPayloadBytes ?? 6 * 1024 * 1024,
        now: this.now(),
      });
      if (plan.waitMs > 0) return { redeliverAfterMs: plan.waitMs };
      const batch = plan.records;
      const first = batch[0]!;
      const last = batch[batch.length - 1]!;
      const context: BatchContext = {
        mapping: m.name,
        topic: d.topic,
        partition: d.partition,
        firstOffset: first.offset,
        lastOffset: last.offset,
        attempt: (state.failing?.attempts ?? 0) + 1,
      };
      const event = encodeKafkaEvent(batch, this.opts.eventKind ?? 'self-managed', {
        bootstrapServers: this.opts.source.bootstrapServers,
        ...(this.opts.eventSourceArn === undefined ? {} : { eventSourceArn: this.opts.eventSourceArn }),
      });
      this.counters.invocations += 1;
      try {
        await this.opts.invoker.invoke(event);
      } catch (err: unknown) {
        this.counters.failedInvocations += 1;
        this.onError(toError(err), context);
        const { maxAttempts } = this.retry;
        if (maxAttempts === undefined || context.attempt < maxAttempts) {
          // Same batch next time: the delivery restarts at the last commit, `failing` bounds it.
          state.failing = { firstOffset: first.offset, lastOffset: last.offset, attempts: context.attempt };
          return { redeliverAfterMs: this.backoffMs(context.attempt) };
        }
        this.counters.skippedBatches += 1;
        this.onError(new RetriesExhaustedError(`${m.name} ${key} ${first.offset}..${last.offset}`, context.attempt, { cause: err }), context);
      }
      await d.commit((BigInt(last.offset) + 1n).toString());
      this.counters.recordsCommitted += batch.length;
      state.failing = undefined;
      state.window = undefined;
      rest = rest.slice(batch.length);
    }
  }

  private backoffMs(attempt: number): number {
    return Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempt - 1));
  }
}

function reportToStderr(error: Error, c: BatchContext): void {
  process.stderr.write(
    `[event-source] ${c.mapping} ${c.topic}-${c.partition} offsets ${c.firstOffset}..${c.lastOffset} ` +
      `attempt ${c.attempt}: ${error.name}: ${error.message}\n`,
  );
}
