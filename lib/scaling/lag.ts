import type { Admin, Kafka } from 'kafkajs';
import { toError } from '../errors/index.js';
import { withAdmin } from '../kafka/admin.js';
import { LagUnavailableError } from './errors.js';

export interface PartitionLag {
  partition: number;
  /** Earliest offset still in the log. */
  start: number;
  /** Log end offset (the next offset to be written). */
  end: number;
  /** The group's committed offset; null when it has none. */
  committed: number | null;
  lag: number;
}

export interface TopicLag {
  topic: string;
  groupId: string;
  /** Sum of the partitions' lag. */
  lag: number;
  /** Partition count (the ceiling on pollers). */
  partitions: number;
  byPartition: PartitionLag[];
}

/**
 * Lag of one partition. A group with no committed offset (or one below the log start, whose
 * records retention removed) will read from the start — Lambda's mappings use TRIM_HORIZON — so
 * everything still in the log is lag.
 */
function partitionLag(start: number, end: number, committed: number | null): number {
  const from = committed === null ? start : Math.max(committed, start);
  return Math.max(0, end - from);
}

/** `consumerLag` on an admin client the caller has connected (one connection for many topics). */
export async function adminLag(admin: Admin, groupId: string, topic: string): Promise<TopicLag> {
  try {
    const [ends, groups] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const committed = new Map<number, number>();
    for (const p of groups.find((g) => g.topic === topic)?.partitions ?? []) {
      // kafkajs reports "no committed offset" as -1.
      const offset = Number(p.offset);
      if (offset >= 0) committed.set(p.partition, offset);
    }
    const byPartition = ends
      .map((p): PartitionLag => {
        const start = Number(p.low);
        const end = Number(p.high);
        const c = committed.get(p.partition) ?? null;
        return { partition: p.partition, start, end, committed: c, lag: partitionLag(start, end, c) };
      })
      .sort((a, b) => a.partition - b.partition);
    const lag = byPartition.reduce((sum, p) => sum + p.lag, 0);
    return { topic, groupId, lag, partitions: byPartition.length, byPartition };
  } catch (err: unknown) {
    throw new LagUnavailableError(topic, groupId, toError(err).message, { cause: err });
  }
}

/**
 * Consumer-group lag of `topic`: Σ over partitions of log end offset − committed offset, with a
 * partition the group never committed counting end − start. Opens and closes one admin connection.
 */
export async function consumerLag(kafka: Kafka, groupId: string, topic: string): Promise<TopicLag> {
  return withAdmin(kafka, (admin) => adminLag(admin, groupId, topic));
}
