import type { Context } from 'aws-lambda';
import { decodeKafkaEvent } from '../../../lib/kafka/event.js';
import type { DecodedRecord, LambdaKafkaEvent } from '../../../lib/kafka/event.js';

export interface Invocation {
  event: LambdaKafkaEvent;
  records: DecodedRecord[];
  /** `topic-partition` of the batch (the runner sends one partition per invocation). */
  partitionKey: string;
  remainingMs: number;
}

/**
 * A Lambda-style handler that records every invocation and measures concurrency, so tests can
 * check what the event source runner delivered. `behaviour` may throw to fail an invocation.
 */
export class RecordingHandler {
  readonly invocations: Invocation[] = [];
  maxInFlightPerPartition = 0;
  maxConcurrent = 0;
  private readonly inFlight = new Map<string, number>();
  private concurrent = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly behaviour: (inv: Invocation, index: number) => Promise<void> | void = () => undefined) {}

  readonly handler = async (event: LambdaKafkaEvent, context: Context): Promise<{ ok: true }> => {
    const records = decodeKafkaEvent(event);
    const partitionKey = Object.keys(event.records).join(',');
    const inv: Invocation = { event, records, partitionKey, remainingMs: context.getRemainingTimeInMillis() };
    const index = this.invocations.push(inv) - 1;
    const now = (this.inFlight.get(partitionKey) ?? 0) + 1;
    this.inFlight.set(partitionKey, now);
    this.maxInFlightPerPartition = Math.max(this.maxInFlightPerPartition, now);
    this.concurrent += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      await this.behaviour(inv, index);
      return { ok: true };
    } finally {
      this.inFlight.set(partitionKey, (this.inFlight.get(partitionKey) ?? 1) - 1);
      this.concurrent -= 1;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  };

  /** Offsets of every delivered record, per `topic-partition`, in delivery order (with repeats). */
  deliveredOffsets(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const inv of this.invocations) {
      for (const r of inv.records) {
        const key = `${r.topic}-${r.partition}`;
        out.set(key, [...(out.get(key) ?? []), r.offset]);
      }
    }
    return out;
  }

  /** Resolves once `condition` holds (checked after each invocation and every 100 ms). */
  async until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`condition not met within ${timeoutMs} ms (${this.invocations.length} invocations)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** A promise with its resolve function, to hold a handler until the test releases it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** `['0', '1', …]` for offsets `from` to `to` inclusive. */
export function offsetRange(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
}
