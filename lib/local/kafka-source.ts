import type { EachBatchPayload, Kafka, KafkaMessage, RetryOptions } from 'kafkajs';
import { toError } from '../errors/index.js';
import { partitionCounts } from '../kafka/admin.js';
import { createKafka } from '../kafka/client.js';
import type { KafkaClientOptions } from '../kafka/client.js';
import { GroupMember } from './kafka-member.js';
import type { GroupMemberOptions } from './kafka-member.js';
import type { DeliveryListener, DeliveryOutcome, EventSource, SourceRecord, Subscription, SubscriptionHandle } from './source.js';

export interface KafkaEventSourceOptions {
  /**
   * Group session timeout (default 6 s, the broker's default minimum): a killed local runner's
   * partitions go to its restarted successor this soon after the kill.
   */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
  /**
   * Longest a fetch waits on the broker for new records (default 200 ms). It also bounds how
   * late a paused partition (retry backoff, batching window) is picked up again.
   */
  fetchMaxWaitMs?: number;
  /** Pause before re-delivering a partition whose listener threw (a failed commit). Default 1 s. */
  listenerErrorBackoffMs?: number;
  /** Partitions of one fetch delivered at once (kafkajs `partitionsConsumedConcurrently`). Default 16. */
  partitionsConsumedConcurrently?: number;
  /** How long a delivery is waited for before kafkajs fetches again (default 100 ms; see `accept`). */
  inlineWaitMs?: number;
  /** Longest an offset commit may take (default 10 s); a timed-out batch is delivered again. */
  commitTimeoutMs?: number;
  /**
   * First wait before a consumer that crashed without kafkajs restarting it is replaced (default
   * 1 s); doubles per failed attempt, up to `consumerRestartMaxMs` (default 30 s). See {@link GroupMember}.
   */
  consumerRestartMs?: number;
  consumerRestartMaxMs?: number;
  onError?: (error: Error) => void;
}

/**
 * Retries of a source's kafkajs client (its consumers' connections, metadata and coordinator
 * lookups; https://kafka.js.org/docs/configuration#retry): patient, about 3 minutes at most 2 s apart —
 * unlike the functions' client, which fails within seconds (lib/kafka/client.ts). A consumer whose
 * retries run out during a broker outage crashes, and kafkajs restarts it as a new group member: on
 * the restarted broker its join then waits until the group drops the old member at its session
 * timeout (https://kafka.apache.org/documentation/#consumerconfigs_session.timeout.ms), ~5 s of
 * every recovery in the broker-down drill (bench/drill). Still retrying when the broker is back, the
 * consumer carries on as the member it was.
 */
export const SOURCE_RETRY: RetryOptions = { initialRetryTime: 300, maxRetryTime: 2_000, retries: 100 };

/** The kafkajs client for a {@link KafkaEventSource}: {@link createKafka} with {@link SOURCE_RETRY}. */
export function createSourceKafka(brokers: string[], clientId: string, opts: KafkaClientOptions = {}): Kafka {
  return createKafka(brokers, clientId, { retry: SOURCE_RETRY, ...opts });
}

/**
 * {@link EventSource} on a kafkajs consumer group per subscription.
 *
 * kafkajs fetches every partition of a broker together and waits for all of them before the
 * next fetch, so a slow or failing partition would hold up the others. Instead, `eachBatch`
 * only hands the records over: it pauses the partition and returns, the delivery runs on its
 * own, and the partition is resumed when it settles (after `redeliverAfterMs` for a retry or
 * an open batching window). Nothing is resolved inside `eachBatch` and auto-commit is off, so
 * kafkajs fetches again from its last position; a commit also seeks there. kafkajs keeps
 * heartbeating from its fetch loop while partitions are paused, so long invocations do not
 * cost the group membership. A consumer that crashed and that kafkajs does not restart is
 * replaced ({@link GroupMember}); a delivery in flight across that settles on its successor.
 */
export class KafkaEventSource implements EventSource {
  readonly bootstrapServers: string;

  constructor(
    private readonly kafka: Kafka,
    brokers: string[],
    private readonly opts: KafkaEventSourceOptions = {},
  ) {
    this.bootstrapServers = brokers.join(',');
  }

  async subscribe(sub: Subscription, listener: DeliveryListener): Promise<SubscriptionHandle> {
    // Fails early, by name, for a missing topic (consumers never create topics).
    await partitionCounts(this.kafka, sub.topics);
    const subscription = new KafkaSubscription(listener, this.opts, {
      groupId: sub.groupId,
      topics: sub.topics,
      fromBeginning: sub.fromBeginning,
      create: () =>
        this.kafka.consumer({
          groupId: sub.groupId,
          sessionTimeout: this.opts.sessionTimeoutMs ?? 6_000,
          heartbeatInterval: this.opts.heartbeatIntervalMs ?? 1_000,
          rebalanceTimeout: this.opts.rebalanceTimeoutMs ?? 15_000,
          maxWaitTimeInMs: this.opts.fetchMaxWaitMs ?? 200,
          allowAutoTopicCreation: false,
        }),
      ...(this.opts.consumerRestartMs !== undefined ? { restartMs: this.opts.consumerRestartMs } : {}),
      ...(this.opts.consumerRestartMaxMs !== undefined ? { restartMaxMs: this.opts.consumerRestartMaxMs } : {}),
    });
    await subscription.start();
    return subscription;
  }
}

/** What a settled delivery left: the offset it committed (if any) and when to deliver again. */
interface Settled {
  committed: string | undefined;
  outcome: DeliveryOutcome | void;
}

class KafkaSubscription implements SubscriptionHandle {
  private active = true;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped: Promise<void> | undefined;
  private readonly onError: (error: Error) => void;
  private readonly member: GroupMember;

  constructor(
    private readonly listener: DeliveryListener,
    private readonly opts: KafkaEventSourceOptions,
    group: Omit<GroupMemberOptions, 'run' | 'onError'>,
  ) {
    this.onError = opts.onError ?? ((e) => process.stderr.write(`[kafka-source] ${e.message}\n`));
    this.member = new GroupMember({
      ...group,
      run: {
        autoCommit: false,
        eachBatchAutoResolve: false,
        // Partitions of one fetch are handed over side by side, not one after another.
        partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently ?? 16,
        eachBatch: (payload) => this.accept(payload),
      },
      onError: this.onError,
    });
  }

  start(): Promise<void> {
    return this.member.start();
  }

  stop(): Promise<void> {
    return (this.stopped ??= (async () => {
      this.active = false;
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      // Before consumer.stop(): kafkajs drops commits once the consumer is no longer running.
      await Promise.all(this.inFlight.values());
      await this.member.stop();
    })());
  }

  private accept(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const key = `${batch.topic}-${batch.partition}`;
    // Paused even when stopping: an unpaused, unresolved partition would be re-fetched at once.
    payload.pause();
    if (!this.active) return Promise.resolve();
    // A partition fetched again (a restarted or replaced consumer) while its delivery still runs
    // stays paused until that settles: `settle` resumes it on the current consumer.
    if (this.inFlight.has(key)) return Promise.resolve();
    if (batch.messages.length === 0) {
      this.member.resume(batch.topic, batch.partition);
      return Promise.resolve();
    }
    const records = batch.messages.map((m) => toSourceRecord(batch.topic, batch.partition, m));
    // `settle` runs in one synchronous step (leaving `inFlight`, then resuming), so a fetch of this
    // partition sees it either still in flight (and is resumed by it) or settled.
    const work = this.deliver(batch.topic, batch.partition, records).then((s) => this.settle(key, batch.topic, batch.partition, s));
    this.inFlight.set(key, work);
    // A delivery that settles quickly (a fast handler) is waited for, so the partition is resumed
    // before kafkajs fetches again and its next records come with that fetch — instead of after a
    // long-poll that cannot include it. A slow one is left running; the others are not held up.
    return waitAtMost(work, this.opts.inlineWaitMs ?? INLINE_WAIT_MS);
  }

  /** Runs the listener; never rejects (a listener failure is a redelivery after a backoff). */
  private async deliver(topic: string, partition: number, records: SourceRecord[]): Promise<Settled> {
    let committed: string | undefined;
    try {
      const outcome = await this.listener({
        topic,
        partition,
        records,
        isActive: () => this.active,
        commit: async (next) => {
          // Bounded: a commit that never settles (the broker went away mid-request and the group
          // was re-formed) would hold the partition paused for good; timed out, the batch is
          // delivered again (admission is idempotent) and the partition moves on.
          await withTimeout(this.member.commitOffsets([{ topic, partition, offset: next }]), this.opts.commitTimeoutMs ?? COMMIT_TIMEOUT_MS, 'offset commit');
          committed = next;
        },
      });
      return { committed, outcome };
    } catch (err: unknown) {
      this.onError(toError(err));
      return { committed, outcome: { redeliverAfterMs: this.opts.listenerErrorBackoffMs ?? 1_000 } };
    }
  }

  private settle(key: string, topic: string, partition: number, { committed, outcome }: Settled): void {
    this.inFlight.delete(key);
    // The next fetch starts after what was committed (autoCommit off: seek only moves the position).
    // On a crashed consumer both fail harmlessly: its successor starts unpaused, from the last commit.
    if (committed !== undefined) this.member.seek(topic, partition, committed);
    if (!this.active) return;
    const delay = outcome?.redeliverAfterMs ?? 0;
    if (delay <= 0) {
      this.member.resume(topic, partition);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.active) this.member.resume(topic, partition);
    }, delay);
    this.timers.add(timer);
  }
}

/** How long `eachBatch` waits for a delivery before leaving it to run on its own. */
const INLINE_WAIT_MS = 100;
/** Longest an offset commit may take before the batch counts as not committed. */
const COMMIT_TIMEOUT_MS = 10_000;

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function waitAtMost(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

function toSourceRecord(topic: string, partition: number, m: KafkaMessage): SourceRecord {
  return {
    topic,
    partition,
    offset: m.offset,
    timestamp: Number(m.timestamp),
    key: m.key ?? null,
    value: m.value,
    headers: { ...m.headers },
  };
}
