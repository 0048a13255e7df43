import { expect, it } from 'vitest';
import type { RetryState, WorkQueue } from '../../../lib/queue/types.js';
import { T0, answer, entry, ids } from './queue-fixtures.js';

const retry = (over: Partial<RetryState> = {}): RetryState => ({ attempts: 1, countedAttempts: 1, failedModels: [], notBefore: 0, ...over });

/** extend / complete / markPublished / requeue: only the owner, only from the right state. */
export function lifecycleContract(q: () => WorkQueue): void {
  it("extends only its owner's running claim or publish grace", async () => {
    const e = entry();
    await q().enqueue([e]);
    expect(await q().extend(e.key, 'a', 1_000, T0)).toBe(false);
    await q().claim(e.key, 'a', 1_000, T0);
    expect(await q().extend(e.key, 'b', 5_000, T0 + 900)).toBe(false);
    expect(await q().extend(e.key, 'a', 1_000, T0 + 900)).toBe(true);
    expect(await q().claim(e.key, 'b', 1_000, T0 + 1_500)).toEqual({ kind: 'busy', until: T0 + 1_900 });
    await q().complete(e.key, 'a', answer(e.key), 500, T0 + 1_600);
    expect(await q().extend(e.key, 'a', 1_000, T0 + 2_000)).toBe(true);
    expect((await q().get(e.key))?.until).toBe(T0 + 3_000);
    await q().markPublished(e.key, 'a', T0 + 2_100);
    expect(await q().extend(e.key, 'a', 1_000, T0 + 2_200)).toBe(false);
  });

  it('completes only a running claim of its owner; the first completer wins', async () => {
    const e = entry();
    await q().enqueue([e]);
    expect(await q().complete(e.key, 'a', answer(e.key), 1_000, T0)).toBe(false);
    await q().claim(e.key, 'a', 1_000, T0);
    expect(await q().complete(e.key, 'b', answer(e.key, 'b'), 1_000, T0)).toBe(false);
    expect(await q().complete(e.key, 'a', answer(e.key, 'first'), 2_000, T0 + 10)).toBe(true);
    expect(await q().complete(e.key, 'a', answer(e.key, 'second'), 2_000, T0 + 20)).toBe(false);
    expect(await q().get(e.key)).toEqual({ ...e, state: 'completed', owner: 'a', until: T0 + 2_010, result: answer(e.key, 'first') });
    expect(await q().complete(entry().key, 'a', answer(e.key), 1_000, T0)).toBe(false);
  });

  it('marks published only for the completing owner, keeping the answer and dropping the claim', async () => {
    const e = entry();
    await q().enqueue([e]);
    await q().claim(e.key, 'a', 1_000, T0);
    await q().markPublished(e.key, 'a', T0);
    expect((await q().get(e.key))?.state).toBe('running');
    await q().complete(e.key, 'a', answer(e.key), 1_000, T0);
    await q().markPublished(e.key, 'b', T0);
    expect((await q().get(e.key))?.state).toBe('completed');
    await q().markPublished(e.key, 'a', T0 + 5);
    const item = await q().get(e.key);
    expect(item).toMatchObject({ state: 'published', result: answer(e.key), request: {}, record: { ...e.record, valueBase64: '' }, priority: e.priority });
    expect(item?.owner).toBeUndefined();
    expect(item?.until).toBeUndefined();
    expect(await q().lapsed(T0 + 1_000_000, 10)).toEqual([]);
    await q().markPublished(e.key, 'a', T0 + 6);
    expect(await q().get(e.key)).toEqual(item);
    await expect(q().markPublished(entry().key, 'a', T0)).resolves.toBeUndefined();
  });

  it('requeues only its owner’s running claim, with the new retry state and the old place in the order', async () => {
    const [first, second] = [entry({ deadline: T0 + 1, key: { id: 'first', correlationId: 'c' } }), entry({ deadline: T0 + 2, key: { id: 'second', correlationId: 'c' } })];
    await q().enqueue([first, second]);
    expect(await q().requeue(first.key, 'a', retry(), T0)).toBe(false);
    await q().claim(first.key, 'a', 1_000, T0);
    expect(await q().requeue(first.key, 'b', retry(), T0)).toBe(false);
    const lastError = { code: 'model_error' as const, message: 'boom', modelId: 'm1' };
    const r = retry({ attempts: 2, countedAttempts: 1, failedModels: ['m1', 'm2'], notBefore: T0 + 3_000, lastError });
    expect(await q().requeue(first.key, 'a', r, T0 + 10)).toBe(true);
    expect(await q().get(first.key)).toEqual({ ...first, ...r, state: 'waiting' });
    expect(ids(await q().waiting({ now: T0, limit: 5 }))).toEqual(['first', 'second']);
    expect(await q().claim(first.key, 'b', 1_000, T0 + 2_999)).toEqual({ kind: 'not_due', until: T0 + 3_000 });
    expect(await q().requeue(first.key, 'a', retry(), T0 + 20)).toBe(false);

    // A retry state without an error clears the old one.
    await q().claim(first.key, 'b', 1_000, T0 + 3_000);
    expect(await q().requeue(first.key, 'b', retry({ attempts: 3 }), T0 + 3_001)).toBe(true);
    const again = await q().get(first.key);
    expect(again).toEqual({ ...first, ...retry({ attempts: 3 }), state: 'waiting' });
    expect(again?.lastError).toBeUndefined();
  });

  it('does not requeue a completed request', async () => {
    const e = entry();
    await q().enqueue([e]);
    await q().claim(e.key, 'a', 1_000, T0);
    await q().complete(e.key, 'a', answer(e.key), 1_000, T0);
    expect(await q().requeue(e.key, 'a', retry(), T0)).toBe(false);
    expect((await q().get(e.key))?.state).toBe('completed');
  });
}
