import { afterEach, describe, expect, it } from 'vitest';
import { InProcessInvoker } from '../../../lib/local/invoker.js';
import { MemoryLog } from '../../../lib/local/memory-log.js';
import { MemoryEventSource } from '../../../lib/local/memory-source.js';
import { EventSourceRunner } from '../../../lib/local/runner.js';
import type { BatchContext, EventSourceRunnerOptions, MappingOptions } from '../../../lib/local/runner.js';
import { RetriesExhaustedError } from '../../../lib/local/errors.js';
import { RecordingHandler, gate, offsetRange } from './recorder.js';

const runners: EventSourceRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

function setup(partitions = 1): { log: MemoryLog; source: MemoryEventSource } {
  const log = new MemoryLog();
  log.createTopic('requests', partitions);
  return { log, source: new MemoryEventSource(log, { maxFetchRecords: 1_000 }) };
}

function startRunner(
  source: MemoryEventSource,
  recorder: RecordingHandler,
  mapping: Partial<MappingOptions> = {},
  extra: Partial<EventSourceRunnerOptions> = {},
): Promise<EventSourceRunner> {
  const runner = new EventSourceRunner({
    mappings: [{ name: 'schedule', topics: ['requests'], groupId: 'g1', batchWindowMs: 0, startingPosition: 'TRIM_HORIZON', ...mapping }],
    source,
    invoker: new InProcessInvoker(recorder.handler),
    retry: { baseMs: 10, maxMs: 40 },
    onError: () => undefined,
    ...extra,
  });
  runners.push(runner);
  return runner.start().then(() => runner);
}

function appendMany(log: MemoryLog, count: number, partition = 0): void {
  for (let i = 0; i < count; i++) log.append('requests', { key: `k${i}`, value: `v${i}`, partition });
}

describe('EventSourceRunner on the in-process source', () => {
  it('delivers records as a Lambda Kafka event: keyed topic-partition, base64 values, headers as byte arrays', async () => {
    const { log, source } = setup();
    log.append('requests', { key: 'agent-1', value: '{"id":"r1"}', headers: { correlation_id: 'c-1' } });
    log.append('requests', { key: null, value: '{"id":"r2"}' });
    const recorder = new RecordingHandler();

    await startRunner(source, recorder);
    await recorder.until(() => recorder.invocations.length >= 1);

    const event = recorder.invocations[0]!.event;
    expect(event.eventSource).toBe('SelfManagedKafka');
    expect(event.bootstrapServers).toBe(source.bootstrapServers);
    const records = event.records['requests-0']!;
    expect(records).toHaveLength(2);
    expect(Buffer.from(records[0]!.value!, 'base64').toString()).toBe('{"id":"r1"}');
    expect(records[0]!.key).toBe(Buffer.from('agent-1').toString('base64'));
    expect(records[0]!.headers).toEqual([{ correlation_id: [...Buffer.from('c-1')] }]);
    expect(records[1]).not.toHaveProperty('key');
    expect(recorder.invocations[0]!.remainingMs).toBeGreaterThan(13 * 60_000);
  });

  it('builds MSK events with the configured eventSourceArn', async () => {
    const { log, source } = setup();
    appendMany(log, 1);
    const recorder = new RecordingHandler();

    await startRunner(source, recorder, {}, { eventKind: 'msk', eventSourceArn: 'arn:aws:kafka:eu-west-1:1:cluster/x/y' });
    await recorder.until(() => recorder.invocations.length >= 1);

    expect(recorder.invocations[0]!.event).toMatchObject({ eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:eu-west-1:1:cluster/x/y' });
  });

  it('never exceeds batchSize, keeps one batch in flight per partition and runs partitions in parallel', async () => {
    const { log, source } = setup(3);
    for (let p = 0; p < 3; p++) appendMany(log, 17, p);
    const recorder = new RecordingHandler(() => new Promise((r) => setTimeout(r, 5)));

    await startRunner(source, recorder, { batchSize: 4 });
    await recorder.until(() => recorder.invocations.reduce((n, i) => n + i.records.length, 0) >= 51);

    expect(Math.max(...recorder.invocations.map((i) => i.records.length))).toBe(4);
    expect(recorder.maxInFlightPerPartition).toBe(1);
    expect(recorder.maxConcurrent).toBeGreaterThan(1);
    for (let p = 0; p < 3; p++) expect(recorder.deliveredOffsets().get(`requests-${p}`)).toEqual(offsetRange(0, 16));
  });

  it('commits a batch only after the handler returns', async () => {
    const { log, source } = setup();
    appendMany(log, 3);
    const hold = gate();
    const recorder = new RecordingHandler(() => hold.promise);

    await startRunner(source, recorder);
    await recorder.until(() => recorder.invocations.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(log.committed('g1', 'requests', 0)).toBeUndefined();

    hold.open();
    await waitUntil(() => log.committed('g1', 'requests', 0) === 3n);
  });

  it('retries the same batch until the handler succeeds, then moves on', async () => {
    const { log, source } = setup();
    appendMany(log, 8);
    const errors: BatchContext[] = [];
    const recorder = new RecordingHandler((_inv, index) => {
      if (index < 2) throw new Error('model fleet down');
    });

    const runner = await startRunner(source, recorder, { batchSize: 5 }, { onError: (_e, c) => errors.push(c) });
    await recorder.until(() => recorder.invocations.length >= 4);

    const batches = recorder.invocations.map((i) => i.records.map((r) => r.offset));
    expect(batches).toEqual([offsetRange(0, 4), offsetRange(0, 4), offsetRange(0, 4), offsetRange(5, 7)]);
    expect(errors.map((c) => c.attempt)).toEqual([1, 2]);
    await waitUntil(() => log.committed('g1', 'requests', 0) === 8n);
    expect(runner.stats()).toMatchObject({ invocations: 4, failedInvocations: 2, recordsCommitted: 8, skippedBatches: 0 });
  });

  it('retries exactly the failed batch even when newer records arrived meanwhile', async () => {
    const { log, source } = setup();
    appendMany(log, 2);
    const recorder = new RecordingHandler((_inv, index) => {
      if (index === 0) {
        appendMany(log, 3);
        throw new Error('transient');
      }
    });

    await startRunner(source, recorder, { batchSize: 10 });
    await recorder.until(() => recorder.deliveredOffsets().get('requests-0')?.length === 7);

    expect(recorder.invocations.map((i) => i.records.map((r) => r.offset))).toEqual([['0', '1'], ['0', '1'], offsetRange(2, 4)]);
  });

  it('skips a batch after maxAttempts failures and reports RetriesExhaustedError', async () => {
    const { log, source } = setup();
    appendMany(log, 3);
    const errors: Error[] = [];
    const recorder = new RecordingHandler((inv) => {
      if (inv.records[0]!.offset === '0') throw new Error('poison');
    });

    await startRunner(source, recorder, { batchSize: 2 }, { retry: { baseMs: 5, maxMs: 5, maxAttempts: 3 }, onError: (e) => errors.push(e) });
    await recorder.until(() => recorder.deliveredOffsets().get('requests-0')?.includes('2') ?? false);

    expect(recorder.invocations.map((i) => i.records[0]!.offset)).toEqual(['0', '0', '0', '2']);
    expect(errors.filter((e) => e instanceof RetriesExhaustedError)).toHaveLength(1);
  });

  it('waits up to batchWindowMs to fill a partial batch', async () => {
    const { log, source } = setup();
    const recorder = new RecordingHandler();
    await startRunner(source, recorder, { batchSize: 10, batchWindowMs: 300 });

    appendMany(log, 2);
    await new Promise((r) => setTimeout(r, 60));
    appendMany(log, 3);
    await recorder.until(() => recorder.invocations.length === 1);

    expect(recorder.invocations[0]!.records).toHaveLength(5);
  });

  it('sends a full batch at once, without waiting for the window', async () => {
    const { log, source } = setup();
    const recorder = new RecordingHandler();
    await startRunner(source, recorder, { batchSize: 10, batchWindowMs: 60_000 });

    appendMany(log, 10);
    await recorder.until(() => recorder.invocations.length === 1, 5_000);

    expect(recorder.invocations[0]!.records).toHaveLength(10);
  });

  it('cuts a batch before the payload limit', async () => {
    const { log, source } = setup();
    for (let i = 0; i < 6; i++) log.append('requests', { value: Buffer.alloc(3_000, 1) });
    const recorder = new RecordingHandler();

    await startRunner(source, recorder, { batchSize: 100 }, { maxPayloadBytes: 10_000 });
    await recorder.until(() => recorder.invocations.reduce((n, i) => n + i.records.length, 0) === 6);

    expect(recorder.invocations.map((i) => i.records.length)).toEqual([2, 2, 2]);
  });

  it('starts a new group at the end with LATEST and at the oldest record with TRIM_HORIZON', async () => {
    const { log, source } = setup();
    appendMany(log, 3);
    const latest = new RecordingHandler();
    const horizon = new RecordingHandler();

    await startRunner(source, latest, { groupId: 'latest', startingPosition: 'LATEST' });
    await startRunner(source, horizon, { groupId: 'horizon', startingPosition: 'TRIM_HORIZON' });
    log.append('requests', { value: 'new' });
    await latest.until(() => latest.invocations.length === 1);
    await horizon.until(() => (horizon.deliveredOffsets().get('requests-0') ?? []).length === 4);

    expect(latest.deliveredOffsets().get('requests-0')).toEqual(['3']);
  });

  it('stop() waits for the in-flight batch and commits it', async () => {
    const { log, source } = setup();
    appendMany(log, 4);
    const hold = gate();
    const recorder = new RecordingHandler(() => hold.promise);
    const runner = await startRunner(source, recorder, { batchSize: 2 });
    await recorder.until(() => recorder.invocations.length === 1);

    const stopped = runner.stop();
    setTimeout(hold.open, 30);
    await stopped;

    expect(log.committed('g1', 'requests', 0)).toBe(2n);
    expect(recorder.invocations).toHaveLength(1);
  });

  it('a restarted runner in the same group re-delivers only the uncommitted records', async () => {
    const { log, source } = setup();
    appendMany(log, 6);
    const first = new RecordingHandler((inv) => {
      if (inv.records[0]!.offset !== '0') throw new Error('fails from the second batch on');
    });
    const runner = await startRunner(source, first, { batchSize: 3 });
    await first.until(() => first.invocations.length >= 2);
    await runner.stop();
    appendMany(log, 2);

    const second = new RecordingHandler();
    await startRunner(source, second, { batchSize: 3 });
    await second.until(() => (second.deliveredOffsets().get('requests-0') ?? []).length === 5);

    expect(second.deliveredOffsets().get('requests-0')).toEqual(offsetRange(3, 7));
    await waitUntil(() => log.committed('g1', 'requests', 0) === 8n);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
