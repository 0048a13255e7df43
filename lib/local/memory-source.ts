import { InfrastructureError, toError } from '../errors/index.js';
import type { MemoryLog } from './memory-log.js';
import type { DeliveryListener, DeliveryOutcome, EventSource, Subscription, SubscriptionHandle } from './source.js';

export interface MemoryEventSourceOptions {
  /** Most records handed over in one delivery (a Kafka fetch's worth). Default 1,000. */
  maxFetchRecords?: number;
  /** Pause before re-delivering a partition whose listener threw. Default 1,000 ms. */
  listenerErrorBackoffMs?: number;
  onError?: (error: Error) => void;
}

/**
 * {@link EventSource} over a {@link MemoryLog}: the in-process stand-in for a consumer group,
 * so `npm start` runs the same runner and handler code without a broker. One member per group;
 * partitions are those the topics have when the subscription starts. A new group's starting
 * position is fixed synchronously inside `subscribe()`, so nothing appended after the call is missed.
 */
export class MemoryEventSource implements EventSource {
  readonly bootstrapServers = 'in-process:0';
  private readonly members = new Set<string>();
  private readonly maxFetch: number;
  private readonly errorBackoffMs: number;
  private readonly onError: (error: Error) => void;

  constructor(
    private readonly log: MemoryLog,
    opts: MemoryEventSourceOptions = {},
  ) {
    this.maxFetch = opts.maxFetchRecords ?? 1_000;
    this.errorBackoffMs = opts.listenerErrorBackoffMs ?? 1_000;
    this.onError = opts.onError ?? ((e) => process.stderr.write(`[memory-source] ${e.message}\n`));
  }

  subscribe(sub: Subscription, listener: DeliveryListener): Promise<SubscriptionHandle> {
    const missing = sub.topics.filter((t) => !this.log.hasTopic(t));
    if (missing.length > 0) {
      return Promise.reject(new InfrastructureError(`in-process topic(s) ${missing.join(', ')} do not exist: create them first`));
    }
    if (this.members.has(sub.groupId)) {
      return Promise.reject(new InfrastructureError(`group ${sub.groupId} already has a member (one per group in process)`));
    }
    this.members.add(sub.groupId);
    const stopping = new AbortController();
    const loops: Promise<void>[] = [];
    for (const topic of sub.topics) {
      for (let partition = 0; partition < this.log.partitionCount(topic); partition++) {
        loops.push(this.consume(sub, topic, partition, listener, stopping.signal));
      }
    }
    let stopped: Promise<void> | undefined;
    return Promise.resolve({
      stop: () =>
        (stopped ??= (async () => {
          stopping.abort();
          await Promise.all(loops);
          this.members.delete(sub.groupId);
        })()),
    });
  }

  // One loop per partition: at most one delivery in flight, each starting at the last commit.
  private async consume(
    sub: Subscription,
    topic: string,
    partition: number,
    listener: DeliveryListener,
    signal: AbortSignal,
  ): Promise<void> {
    const log = this.log;
    let position =
      log.committed(sub.groupId, topic, partition) ??
      (sub.fromBeginning ? log.startOffset(topic, partition) : log.endOffset(topic, partition));
    while (!signal.aborted) {
      const records = log.read(topic, partition, position, this.maxFetch);
      if (records.length === 0) {
        await waitFor((wake) => log.onAppend(topic, partition, wake), signal);
        continue;
      }
      let outcome: DeliveryOutcome | void;
      try {
        outcome = await listener({
          topic,
          partition,
          records,
          isActive: () => !signal.aborted,
          commit: (next) => {
            position = BigInt(next);
            log.commit(sub.groupId, topic, partition, position);
            return Promise.resolve();
          },
        });
      } catch (err: unknown) {
        this.onError(toError(err));
        outcome = { redeliverAfterMs: this.errorBackoffMs };
      }
      const delay = outcome?.redeliverAfterMs ?? 0;
      if (delay > 0) await waitFor((wake) => clearTimer(setTimeout(wake, delay)), signal);
    }
  }
}

function clearTimer(timer: NodeJS.Timeout): () => void {
  return () => clearTimeout(timer);
}

/** Waits for `arm`'s wake-up or the abort signal, whichever comes first. */
function waitFor(arm: (wake: () => void) => () => void, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      cancel();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const cancel = arm(done);
    signal.addEventListener('abort', done, { once: true });
  });
}
