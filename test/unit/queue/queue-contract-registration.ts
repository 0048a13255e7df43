import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { QueueEntryTooLargeError } from '../../../lib/queue/errors.js';
import type { WorkQueue } from '../../../lib/queue/types.js';
import { T0, answer, entry, waitingItem } from './queue-fixtures.js';

/** enqueue / storeAnswer / get: idempotent registration and what an item holds. */
export function registrationContract(q: () => WorkQueue): void {
  it('registers new entries as waiting, outcomes in the entries’ order', async () => {
    const [a, b] = [entry(), entry({ priority: 'high' })];
    expect(await q().enqueue([a, b])).toEqual([{ kind: 'queued' }, { kind: 'queued' }]);
    expect(await q().get(a.key)).toEqual(waitingItem(a));
    expect(await q().get(b.key)).toEqual(waitingItem(b));
    expect(await q().enqueue([])).toEqual([]);
  });

  it('returns nothing for a key never registered', async () => {
    expect(await q().get(entry().key)).toBeUndefined();
    expect(await q().claim(entry().key, 'a', 1_000, T0)).toEqual({ kind: 'absent' });
  });

  it('treats a redelivered entry as present and changes nothing, in every state', async () => {
    const e = entry();
    await q().enqueue([e]);
    const again = { ...e, priority: 'high' as const, attempts: 5, request: { other: true } };
    expect(await q().enqueue([again])).toEqual([{ kind: 'present', item: waitingItem(e) }]);

    await q().claim(e.key, 'a', 1_000, T0);
    const running = await q().get(e.key);
    expect(running?.state).toBe('running');
    expect(await q().enqueue([again])).toEqual([{ kind: 'present', item: running }]);

    await q().complete(e.key, 'a', answer(e.key), 1_000, T0 + 10);
    const completed = await q().get(e.key);
    expect(await q().enqueue([again])).toEqual([{ kind: 'present', item: completed }]);
    expect(await q().storeAnswer(again, answer(e.key, 'other'), 'b', 1_000, T0)).toEqual({ kind: 'present', item: completed });

    await q().markPublished(e.key, 'a', T0 + 20);
    const published = await q().get(e.key);
    expect(published?.state).toBe('published');
    expect(await q().enqueue([again])).toEqual([{ kind: 'present', item: published }]);
    expect(await q().get(e.key)).toEqual(published);
  });

  it('registers a key given twice in one batch once', async () => {
    const e = entry();
    const out = await q().enqueue([e, { ...e, attempts: 3 }]);
    expect(out).toEqual([{ kind: 'queued' }, { kind: 'present', item: waitingItem(e) }]);
    expect(await q().depth()).toEqual({ high: 0, medium: 1, low: 0 });
  });

  it('stores an answered entry as completed, owned by its writer for the grace', async () => {
    const e = entry();
    const result = answer(e.key, 'invalid request');
    expect(await q().storeAnswer(e, result, 'w', 5_000, T0)).toEqual({ kind: 'queued' });
    expect(await q().get(e.key)).toEqual({ ...e, state: 'completed', owner: 'w', until: T0 + 5_000, result });
    expect(await q().waiting({ now: T0, limit: 10 })).toEqual([]);
    expect(await q().claim(e.key, 'x', 1_000, T0 + 5_000)).toEqual({ kind: 'busy', until: T0 + 5_000 });
    await q().markPublished(e.key, 'w', T0 + 1);
    expect((await q().get(e.key))?.state).toBe('published');
  });

  it('round-trips the request, record, retry state and a unicode answer', async () => {
    const e = entry({
      priority: 'low',
      taskType: 'image_analysis',
      modelId: 'vision-1',
      estimatedTokens: 12_345,
      attempts: 2,
      countedAttempts: 1,
      failedModels: ['m-a', 'm-b'],
      notBefore: T0 - 1,
      lastError: { code: 'rate_limited', message: 'slow down ✋', modelId: 'm-b' },
      request: { id: 'r', nested: { list: [1, 'two', null, { deep: true }] }, text: 'héllo 世界 🚀', n: 1.5 },
      record: {
        topic: 'agent-requests',
        partition: 7,
        offset: '9007199254740993',
        timestamp: T0 - 5,
        keyBase64: Buffer.from('key-ü').toString('base64'),
        valueBase64: Buffer.from('{"x":"ü"}').toString('base64'),
        headers: { 'reply-to': 'replies.a', 'trace-id': 'Ω-1' },
      },
    });
    await q().enqueue([e]);
    expect(await q().get(e.key)).toEqual(waitingItem(e));
    await q().claim(e.key, 'a', 1_000, T0);
    const result = { ...answer(e.key, 'Ответ: 答え — 🎉 "quoted" \\ \n newline'), session_id: 's-1', finished_at: '2027-01-15T08:00:00.000Z' };
    expect(await q().complete(e.key, 'a', result, 1_000, T0 + 1)).toBe(true);
    expect(await q().get(e.key)).toEqual({ ...e, state: 'completed', owner: 'a', until: T0 + 1_001, result });
  });

  it('refuses an entry too large to store, naming it invalid, and stores nothing of the batch', async () => {
    const small = entry();
    const big = entry({ record: { ...entry().record, valueBase64: randomBytes(400_000).toString('base64') } });
    const err: unknown = await q().enqueue([small, big]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueEntryTooLargeError);
    expect(err).toMatchObject({ code: 'invalid_request', retryable: false });
    expect(await q().get(big.key)).toBeUndefined();
    expect(await q().get(small.key)).toBeUndefined();
    await expect(q().storeAnswer(big, answer(big.key), 'w', 1_000, T0)).rejects.toBeInstanceOf(QueueEntryTooLargeError);
  });

  it('stores an answer too large to keep as null', async () => {
    const e = entry();
    await q().enqueue([e]);
    await q().claim(e.key, 'a', 1_000, T0);
    const huge = answer(e.key, randomBytes(390_000).toString('base64'));
    expect(await q().complete(e.key, 'a', huge, 1_000, T0)).toBe(true);
    const item = await q().get(e.key);
    expect(item).toMatchObject({ state: 'completed', owner: 'a', result: null });
    await q().markPublished(e.key, 'a', T0 + 1);
    expect(await q().get(e.key)).toMatchObject({ state: 'published', result: null });
  });
}
