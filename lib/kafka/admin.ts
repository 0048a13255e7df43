import type { Admin, Kafka } from 'kafkajs';
import { InfrastructureError, toError } from '../errors/index.js';

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Default 1 (a single local broker). */
  replicationFactor?: number;
}

/** Runs `fn` with a connected admin client and always disconnects it. */
export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err: unknown) {
    throw new InfrastructureError(`Kafka admin cannot connect: ${toError(err).message}`, { cause: err });
  }
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates the topics that do not exist yet and waits for their leaders. Idempotent: an
 * existing topic (even one created concurrently) is left as it is, partitions included.
 * Returns the names it created.
 */
export async function ensureTopics(kafka: Kafka, topics: readonly TopicSpec[]): Promise<string[]> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length === 0) return [];
    try {
      // false when every topic already existed (a concurrent creator won): fine.
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor ?? 1,
        })),
      });
    } catch (err: unknown) {
      throw new InfrastructureError(`Cannot create topics ${missing.map((t) => t.name).join(', ')}: ${toError(err).message}`, {
        cause: err,
      });
    }
    return missing.map((t) => t.name);
  });
}

/** Names of the topics on the cluster (internal ones included). */
export async function listTopics(kafka: Kafka): Promise<string[]> {
  return withAdmin(kafka, (admin) => admin.listTopics());
}

/** Deletes the named topics that exist; unknown names are ignored (test cleanup). */
export async function deleteTopics(kafka: Kafka, names: readonly string[]): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const present = names.filter((n) => existing.has(n));
    if (present.length > 0) await admin.deleteTopics({ topics: present });
  });
}

/** Partition count of each named topic; throws when one does not exist. */
export async function partitionCounts(kafka: Kafka, topics: readonly string[]): Promise<Map<string, number>> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      throw new InfrastructureError(`Kafka topic(s) ${missing.join(', ')} do not exist: create them first (ensureTopics)`);
    }
    const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...topics] });
    return new Map(meta.map((t) => [t.name, t.partitions.length]));
  });
}
