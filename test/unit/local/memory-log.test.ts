import { describe, expect, it } from 'vitest';
import { consumeMemoryUntil } from '../../../lib/local/consumer.js';
import { MemoryLog } from '../../../lib/local/memory-log.js';
import { MemoryEventSource } from '../../../lib/local/memory-source.js';

describe('MemoryLog', () => {
  it('assigns consecutive offsets per partition and reads from any offset', () => {
    const log = new MemoryLog();
    log.createTopic('t', 2);

    log.append('t', { value: 'a', partition: 0 });
    log.append('t', { value: 'b', partition: 1 });
    const c = log.append('t', { value: 'c', partition: 0 });

    expect(c.offset).toBe('1');
    expect(log.read('t', 0, 0n, 10).map((r) => r.value?.toString())).toEqual(['a', 'c']);
    expect(log.read('t', 0, 1n, 10).map((r) => r.value?.toString())).toEqual(['c']);
    expect(log.endOffset('t', 1)).toBe(1n);
  });

  it('sends records with the same key to the same partition', () => {
    const log = new MemoryLog();
    log.createTopic('t', 4);

    const partitions = new Set(Array.from({ length: 5 }, () => log.append('t', { key: 'agent-7', value: 'x' }).partition));

    expect(partitions.size).toBe(1);
  });

  it('drops the oldest records beyond its retention and reads on from the oldest kept', () => {
    const log = new MemoryLog({ retainPerPartition: 2 });
    log.createTopic('t', 1);
    for (const v of ['a', 'b', 'c']) log.append('t', { value: v });

    expect(log.startOffset('t', 0)).toBe(1n);
    expect(log.read('t', 0, 0n, 10).map((r) => r.offset)).toEqual(['1', '2']);
  });

  it('keeps committed offsets per consumer group', () => {
    const log = new MemoryLog();
    log.createTopic('t', 1);
    log.commit('g1', 't', 0, 5n);

    expect(log.committed('g1', 't', 0)).toBe(5n);
    expect(log.committed('g2', 't', 0)).toBeUndefined();
  });

  it('publishes through its RecordPublisher into the same log, creating topics on first use', async () => {
    const log = new MemoryLog({ defaultPartitions: 2 });
    const publisher = log.publisher();

    await publisher.publish([
      { topic: 'results', key: 'r1', value: '{"status":"completed"}', headers: { correlation_id: 'c1' } },
      { topic: 'dead_letter', value: Buffer.from('x') },
    ]);

    expect(log.partitionCount('results')).toBe(2);
    const [result] = await consumeMemoryUntil(log, 'results', { count: 1, timeoutMs: 100 });
    expect(result).toMatchObject({ topic: 'results', headers: { correlation_id: 'c1' } });
    expect(result!.value?.toString()).toBe('{"status":"completed"}');
  });
});

describe('consumeMemoryUntil', () => {
  it('waits for records appended later and stops at the count', async () => {
    const log = new MemoryLog();
    log.createTopic('results', 1);
    setTimeout(() => {
      for (const v of ['1', '2', '3']) log.append('results', { value: v });
    }, 20);

    const got = await consumeMemoryUntil(log, 'results', { count: 2, timeoutMs: 2_000 });

    expect(got.map((m) => m.value?.toString())).toEqual(['1', '2']);
  });

  it('keeps only what the predicate accepts and returns what it has at the timeout', async () => {
    const log = new MemoryLog();
    log.createTopic('results', 1);
    for (const v of ['a', 'b', 'a']) log.append('results', { value: v });

    const got = await consumeMemoryUntil(log, 'results', { predicate: (m) => m.value?.toString() === 'a', count: 5, timeoutMs: 50 });

    expect(got).toHaveLength(2);
  });
});

describe('MemoryEventSource', () => {
  it('refuses a topic that does not exist', async () => {
    const source = new MemoryEventSource(new MemoryLog());

    await expect(source.subscribe({ groupId: 'g', topics: ['nope'], fromBeginning: true }, () => Promise.resolve())).rejects.toThrow(
      /nope do not exist/,
    );
  });

  it('allows one member per group and a new one after it stops', async () => {
    const log = new MemoryLog();
    log.createTopic('t', 1);
    const source = new MemoryEventSource(log);
    const sub = { groupId: 'g', topics: ['t'], fromBeginning: true };

    const first = await source.subscribe(sub, () => Promise.resolve());
    await expect(source.subscribe(sub, () => Promise.resolve())).rejects.toThrow(/already has a member/);
    await first.stop();
    const second = await source.subscribe(sub, () => Promise.resolve());
    await second.stop();
  });

  it('re-delivers after a listener throws, from the last commit', async () => {
    const log = new MemoryLog();
    log.createTopic('t', 1);
    log.append('t', { value: 'a' });
    const errors: Error[] = [];
    const source = new MemoryEventSource(log, { listenerErrorBackoffMs: 5, onError: (e) => errors.push(e) });
    const seen: string[] = [];
    let calls = 0;

    const handle = await source.subscribe({ groupId: 'g', topics: ['t'], fromBeginning: true }, async (d) => {
      seen.push(d.records[0]!.offset);
      calls += 1;
      if (calls === 1) throw new Error('commit failed');
      await d.commit('1');
    });
    while (log.committed('g', 't', 0) !== 1n) await new Promise((r) => setTimeout(r, 5));
    await handle.stop();

    expect(seen).toEqual(['0', '0']);
    expect(errors).toHaveLength(1);
  });
});
