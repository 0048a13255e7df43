import { Partitioners } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteTopics, ensureTopics, withAdmin } from '../../../lib/kafka/admin.js';
import { createKafka } from '../../../lib/kafka/client.js';
import { LagUnavailableError } from '../../../lib/scaling/errors.js';
import { consumerLag } from '../../../lib/scaling/lag.js';
import { serviceEnv, uniqueName } from '../support/services.js';

const kafka = createKafka(serviceEnv().kafkaBrokers, 'it-scaling-lag', { retry: { retries: 1, initialRetryTime: 100 } });
const topics: string[] = [];
const groups: string[] = [];

afterAll(async () => {
  await deleteTopics(kafka, topics);
  await withAdmin(kafka, (admin) => admin.deleteGroups(groups)).catch(() => undefined);
});

/** A 3-partition topic holding `counts[p]` records in partition p. */
async function topicWith(counts: number[]): Promise<string> {
  const name = uniqueName('it-lag');
  topics.push(name);
  await ensureTopics(kafka, [{ name, partitions: counts.length }]);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({
      topic: name,
      messages: counts.flatMap((n, partition) => Array.from({ length: n }, (_, i) => ({ partition, value: `r${partition}-${i}` }))),
    });
  } finally {
    await producer.disconnect();
  }
  return name;
}

function group(): string {
  const id = uniqueName('it-lag-group');
  groups.push(id);
  return id;
}

describe('consumerLag on the real broker', () => {
  it('counts every record of the log as lag for a group that never committed', async () => {
    const topic = await topicWith([10, 5, 0]);

    const lag = await consumerLag(kafka, group(), topic);

    expect(lag).toMatchObject({ topic, lag: 15, partitions: 3 });
    expect(lag.byPartition.map((p) => [p.partition, p.committed, p.lag])).toEqual([
      [0, null, 10],
      [1, null, 5],
      [2, null, 0],
    ]);
  });

  it('is Σ (end − committed) over the partitions once the group has committed offsets', async () => {
    const topic = await topicWith([10, 5, 0]);
    const groupId = group();
    await withAdmin(kafka, async (admin) => {
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '5' }] });
    });

    const lag = await consumerLag(kafka, groupId, topic);

    expect(lag.lag).toBe(6);
    expect(lag.byPartition.map((p) => [p.committed, p.end, p.lag])).toEqual([
      [4, 10, 6],
      [5, 5, 0],
      [null, 0, 0],
    ]);
  });

  it('measures from the log start when records were deleted (no commit, or a commit below the start)', async () => {
    const topic = await topicWith([10, 5, 0]);
    const stale = group();
    await withAdmin(kafka, async (admin) => {
      await admin.setOffsets({ groupId: stale, topic, partitions: [{ partition: 0, offset: '1' }] });
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '3' }] });
    });

    const fresh = await consumerLag(kafka, group(), topic);
    const behind = await consumerLag(kafka, stale, topic);

    expect(fresh.byPartition[0]).toMatchObject({ start: 3, end: 10, lag: 7 });
    expect(fresh.lag).toBe(12);
    expect(behind.byPartition[0]).toMatchObject({ committed: 1, start: 3, lag: 7 });
  });

  it('fails with LagUnavailableError naming the topic when it does not exist', async () => {
    const missing = uniqueName('it-lag-missing');

    const err = await consumerLag(kafka, group(), missing).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(LagUnavailableError);
    expect((err as LagUnavailableError).message).toContain(missing);
    expect((err as LagUnavailableError).retryable).toBe(true);
  });
});
