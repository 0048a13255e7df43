import { Partitioners } from 'kafkajs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deleteTopics, ensureTopics } from '../../../lib/kafka/admin.js';
import { createKafka } from '../../../lib/kafka/client.js';
import { InProcessInvoker } from '../../../lib/local/invoker.js';
import { KafkaEventSource } from '../../../lib/local/kafka-source.js';
import { EventSourceRunner } from '../../../lib/local/runner.js';
import type { MappingOptions } from '../../../lib/local/runner.js';
import { RecordingHandler, offsetRange } from '../../unit/local/recorder.js';
import { serviceEnv, uniqueName } from '../support/services.js';

const { kafkaBrokers } = serviceEnv();
const kafka = createKafka(kafkaBrokers, 'it-local-runner');
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const source = new KafkaEventSource(kafka, kafkaBrokers);
const created: string[] = [];
const runners: EventSourceRunner[] = [];

async function topic(partitions = 1): Promise<string> {
  const name = uniqueName('it-runner');
  created.push(name);
  await ensureTopics(kafka, [{ name, partitions }]);
  return name;
}

/** Produces `count` records to one partition: value `v<i>`, key `k<i>`, a correlation_id header. */
async function produce(name: string, count: number, partition = 0, from = 0): Promise<void> {
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({
    partition,
    key: `k${from + i}`,
    value: `v${from + i}`,
    headers: { correlation_id: `c${from + i}` },
  }));
  await producer.send({ topic: name, messages, acks: -1 });
}

async function startRunner(recorder: RecordingHandler, mapping: Partial<MappingOptions> & { topics: string[] }): Promise<EventSourceRunner> {
  const runner = new EventSourceRunner({
    mappings: [{ name: 'schedule', groupId: uniqueName('it-group'), batchWindowMs: 0, startingPosition: 'TRIM_HORIZON', ...mapping }],
    source,
    invoker: new InProcessInvoker(recorder.handler),
    retry: { baseMs: 50, maxMs: 200 },
    onError: () => undefined,
  });
  runners.push(runner);
  await runner.start();
  return runner;
}

async function committedOffset(groupId: string, name: string, partition = 0): Promise<string | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [name] });
    return entry?.partitions.find((p) => p.partition === partition)?.offset;
  } finally {
    await admin.disconnect();
  }
}

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await producer.disconnect();
  await deleteTopics(kafka, created);
});

describe('EventSourceRunner on the real broker', () => {
  it('delivers records to an in-process handler as a valid Lambda Kafka event', async () => {
    const name = await topic();
    await produce(name, 3);
    const recorder = new RecordingHandler();

    await startRunner(recorder, { topics: [name] });
    await recorder.until(() => (recorder.deliveredOffsets().get(`${name}-0`) ?? []).length >= 3, 15_000);

    const event = recorder.invocations[0]!.event;
    expect(event).toMatchObject({ eventSource: 'SelfManagedKafka', bootstrapServers: kafkaBrokers.join(',') });
    expect(Object.keys(event.records)).toEqual([`${name}-0`]);
    const first = event.records[`${name}-0`]![0]!;
    expect(first).toMatchObject({ topic: name, partition: 0, offset: 0, timestampType: 'CREATE_TIME' });
    expect(Buffer.from(first.value!, 'base64').toString()).toBe('v0');
    expect(Buffer.from(first.key!, 'base64').toString()).toBe('k0');
    expect(first.headers).toEqual([{ correlation_id: [...Buffer.from('c0')] }]);
    expect(recorder.invocations.flatMap((i) => i.records.map((r) => r.headers['correlation_id']))).toEqual(['c0', 'c1', 'c2']);
  });

  it('never exceeds batchSize and keeps one batch in flight per partition', async () => {
    const name = await topic(3);
    for (let p = 0; p < 3; p++) await produce(name, 12, p);
    const recorder = new RecordingHandler(() => new Promise((r) => setTimeout(r, 20)));

    await startRunner(recorder, { topics: [name], batchSize: 5 });
    await recorder.until(() => recorder.invocations.reduce((n, i) => n + i.records.length, 0) >= 36, 15_000);

    expect(Math.max(...recorder.invocations.map((i) => i.records.length))).toBeLessThanOrEqual(5);
    expect(recorder.maxInFlightPerPartition).toBe(1);
    expect(recorder.maxConcurrent).toBeGreaterThan(1);
    for (let p = 0; p < 3; p++) expect(recorder.deliveredOffsets().get(`${name}-${p}`)).toEqual(offsetRange(0, 11));
  });

  it('commits only after the handler returns: a batch that throws twice is delivered 3 times, then the runner moves on', async () => {
    const name = await topic();
    await produce(name, 7);
    const groupId = uniqueName('it-group');
    const recorder = new RecordingHandler((_inv, index) => {
      if (index < 2) throw new Error('fleet unavailable');
    });

    await startRunner(recorder, { topics: [name], groupId, batchSize: 4 });
    await recorder.until(() => recorder.invocations.length >= 4, 15_000);
    await expect.poll(() => committedOffset(groupId, name), { timeout: 10_000 }).toBe('7');

    expect(recorder.invocations.map((i) => i.records.map((r) => r.offset))).toEqual([
      offsetRange(0, 3),
      offsetRange(0, 3),
      offsetRange(0, 3),
      offsetRange(4, 6),
    ]);
  });

  it('a runner stopped mid-stream and restarted in the same group re-delivers only uncommitted records', async () => {
    const name = await topic();
    await produce(name, 9);
    const groupId = uniqueName('it-group');
    // The first runner finishes the first batch, then fails every later one: nothing after it is committed.
    const first = new RecordingHandler((inv) => {
      if (inv.records[0]!.offset !== '0') throw new Error('crash before commit');
    });
    const runner = await startRunner(first, { topics: [name], groupId, batchSize: 3 });
    await first.until(() => first.invocations.length >= 2, 15_000);
    await runner.stop();
    expect(await committedOffset(groupId, name)).toBe('3');
    await produce(name, 2, 0, 9);

    const second = new RecordingHandler();
    await startRunner(second, { topics: [name], groupId, batchSize: 3 });
    await second.until(() => (second.deliveredOffsets().get(`${name}-0`) ?? []).length >= 8, 15_000);

    expect(second.deliveredOffsets().get(`${name}-0`)).toEqual(offsetRange(3, 10));
    await expect.poll(() => committedOffset(groupId, name), { timeout: 10_000 }).toBe('11');
  });

  it('waits up to batchWindowMs for more records before invoking with a partial batch', async () => {
    const name = await topic();
    const recorder = new RecordingHandler();
    await startRunner(recorder, { topics: [name], batchSize: 10, batchWindowMs: 1_500 });

    await produce(name, 2);
    await new Promise((r) => setTimeout(r, 300));
    await produce(name, 3, 0, 2);
    await recorder.until(() => recorder.invocations.length >= 1, 15_000);

    expect(recorder.invocations[0]!.records.map((r) => r.offset)).toEqual(offsetRange(0, 4));
  });

  it('keeps the group through an invocation longer than the session timeout, while other partitions move on', async () => {
    const name = await topic(2);
    await produce(name, 2, 0);
    await produce(name, 6, 1);
    const groupId = uniqueName('it-group');
    const slowSource = new KafkaEventSource(kafka, kafkaBrokers, { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 });
    let partition1Done = 0;
    let partition1DoneWhenSlowEnded = -1;
    const recorder = new RecordingHandler(async (inv) => {
      if (inv.partitionKey === `${name}-0`) {
        await new Promise((r) => setTimeout(r, 8_000));
        partition1DoneWhenSlowEnded = partition1Done;
      } else {
        partition1Done += inv.records.length;
      }
    });
    const runner = new EventSourceRunner({
      mappings: [{ name: 'schedule', topics: [name], groupId, batchSize: 2, batchWindowMs: 0, startingPosition: 'TRIM_HORIZON' }],
      source: slowSource,
      invoker: new InProcessInvoker(recorder.handler),
      onError: () => undefined,
    });
    runners.push(runner);
    await runner.start();

    await expect.poll(() => committedOffset(groupId, name, 0), { timeout: 15_000, interval: 500 }).toBe('2');

    expect(recorder.deliveredOffsets().get(`${name}-0`)).toEqual(['0', '1']);
    expect(recorder.deliveredOffsets().get(`${name}-1`)).toEqual(offsetRange(0, 5));
    expect(partition1DoneWhenSlowEnded).toBe(6);
    expect(await committedOffset(groupId, name, 1)).toBe('6');
  });
});
