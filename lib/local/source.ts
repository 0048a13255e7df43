import type { RecordHeaders, TimestampType } from '../kafka/event.js';

/**
 * The port between the event-source runner and what feeds it (a Kafka consumer group, or the
 * in-process log). The source owns transport and offsets storage; the runner owns batching,
 * retry and what to commit.
 *
 * Contract, which both implementations keep:
 * - a partition has at most one delivery in flight (the listener's promise is awaited before
 *   that partition is delivered again);
 * - every delivery of a partition starts at its last commit (or at the subscription's starting
 *   position): whatever the listener did not commit is delivered again, plus any newer records;
 * - different partitions are delivered concurrently.
 */

/** One record as the source read it. */
export interface SourceRecord {
  topic: string;
  partition: number;
  /** 64-bit offset, as a decimal string. */
  offset: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  timestampType?: TimestampType;
  key: Buffer | null;
  /** Null for a tombstone. */
  value: Buffer | null;
  headers: RecordHeaders;
}

export interface Delivery {
  readonly topic: string;
  readonly partition: number;
  /** Records in offset order, from the partition's current position; never empty. */
  readonly records: readonly SourceRecord[];
  /**
   * Commits the group's position on this partition: every record before `nextOffset` is done.
   * Resolves once the commit is stored.
   */
  commit(nextOffset: string): Promise<void>;
  /** False once the subscription is stopping: finish the current invocation, start no other. */
  isActive(): boolean;
}

export interface DeliveryOutcome {
  /** Deliver this partition again (from its last commit) no sooner than this many ms from now. */
  redeliverAfterMs?: number;
}

export type DeliveryListener = (delivery: Delivery) => Promise<DeliveryOutcome | void>;

export interface Subscription {
  groupId: string;
  topics: readonly string[];
  /** Where a group without a committed offset starts: the oldest record, or only new ones. */
  fromBeginning: boolean;
}

export interface SubscriptionHandle {
  /** Stops fetching, waits for in-flight deliveries (and their commits), leaves the group. */
  stop(): Promise<void>;
}

export interface EventSource {
  /** `host:port,…` reported in the Lambda event's `bootstrapServers`. */
  readonly bootstrapServers: string;
  /** Joins `groupId` and starts delivering; resolves once the subscription is running. */
  subscribe(subscription: Subscription, listener: DeliveryListener): Promise<SubscriptionHandle>;
}
