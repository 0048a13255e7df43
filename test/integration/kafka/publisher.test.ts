import { afterAll, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../lib/errors/index.js';
import { deleteTopics, ensureTopics, listTopics, partitionCounts } from '../../../lib/kafka/admin.js';
import { createKafka } from '../../../lib/kafka/client.js';
import { KafkajsPublisher, closeSharedPublishers, getSharedPublisher } from '../../../lib/kafka/kafkajs-publisher.js';
import { consumeUntil } from '../../../lib/local/consumer.js';
import { serviceEnv, uniqueName } from '../support/services.js';

const { kafkaBrokers } = serviceEnv();
const kafka = createKafka(kafkaBrokers, 'it-kafka-publisher');
const created: string[] = [];

async function topic(prefix: string, partitions = 1): Promise<string> {
  const name = uniqueName(prefix);
  created.push(name);
  await ensureTopics(kafka, [{ name, partitions }]);
  return name;
}

afterAll(async () => {
  await closeSharedPublishers();
  await deleteTopics(kafka, created);
});

describe('KafkajsPublisher on the real broker', () => {
  it('publishes a record whose key, value bytes and headers come back intact', async () => {
    const name = await topic('it-roundtrip');
    const publisher = new KafkajsPublisher(kafka);
    const value = Buffer.from([0, 1, 2, 250, 255, ...Buffer.from('{"id":"r1","content":"héllo ✓"}')]);

    try {
      await publisher.publish([{ topic: name, key: 'agent-1', value, headers: { correlation_id: 'corr-1', trace: 'ü-ß' } }]);
    } finally {
      await publisher.close();
    }
    const [message] = await consumeUntil(kafka, name, { count: 1, timeoutMs: 15_000 });

    expect(message).toBeDefined();
    expect(message!.key?.toString()).toBe('agent-1');
    expect(message!.value).toEqual(value);
    expect(message!.headers).toEqual({ correlation_id: 'corr-1', trace: 'ü-ß' });
  });

  it('publishes to several topics in one call, in order within each topic, readable once publish resolves', async () => {
    const [results, deadLetters] = [await topic('it-results'), await topic('it-dlq')];
    const publisher = getSharedPublisher({ brokers: kafkaBrokers, clientId: 'it-shared' });

    await publisher.publish([
      { topic: results, value: 'r1' },
      { topic: deadLetters, key: null, value: 'd1' },
      { topic: results, value: 'r2' },
    ]);
    const [gotResults, gotDead] = await Promise.all([
      consumeUntil(kafka, results, { count: 2, timeoutMs: 15_000 }),
      consumeUntil(kafka, deadLetters, { count: 1, timeoutMs: 15_000 }),
    ]);

    expect(gotResults.map((m) => m.value?.toString())).toEqual(['r1', 'r2']);
    expect(gotDead.map((m) => m.value?.toString())).toEqual(['d1']);
    expect(gotDead[0]!.key).toBeNull();
  });

  it('shares one publisher per broker list and client id (warm containers reuse the connection)', () => {
    const a = getSharedPublisher({ brokers: kafkaBrokers, clientId: 'it-shared' });

    expect(getSharedPublisher({ brokers: kafkaBrokers, clientId: 'it-shared' })).toBe(a);
    expect(getSharedPublisher({ brokers: kafkaBrokers, clientId: 'other' })).not.toBe(a);
  });

  it('fails with InfrastructureError when no broker answers', async () => {
    const dead = createKafka(['127.0.0.1:1'], 'it-dead', { logLevel: 'nothing', connectionTimeoutMs: 300, retry: { retries: 0 } });
    const publisher = new KafkajsPublisher(dead);

    const err = await publisher.publish([{ topic: 'anything', value: 'x' }]).catch((e: unknown) => e);
    await publisher.close();

    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as InfrastructureError).retryable).toBe(true);
  });
});

describe('admin helpers', () => {
  it('ensureTopics creates missing topics with their partitions and is idempotent', async () => {
    const name = uniqueName('it-admin');
    created.push(name);

    expect(await ensureTopics(kafka, [{ name, partitions: 3 }])).toEqual([name]);
    expect(await ensureTopics(kafka, [{ name, partitions: 3 }])).toEqual([]);
    expect((await partitionCounts(kafka, [name])).get(name)).toBe(3);
    expect(await listTopics(kafka)).toContain(name);
  });

  it('partitionCounts names a topic that does not exist', async () => {
    await expect(partitionCounts(kafka, ['it-no-such-topic-x'])).rejects.toThrow(/it-no-such-topic-x do not exist/);
  });

  it('deleteTopics ignores unknown names', async () => {
    const name = await topic('it-delete');

    await deleteTopics(kafka, [name, 'it-never-created-y']);

    expect(await listTopics(kafka)).not.toContain(name);
  });
});
