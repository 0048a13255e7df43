import { expect, it } from 'vitest';
import type { WorkQueue } from '../../../lib/queue/types.js';
import { T0, enqueueAll, entry, ids } from './queue-fixtures.js';

/** Merged reads (one list across priorities) and aging by virtual time. */
export function agingContract(q: () => WorkQueue): void {
  it('reads one merged list in the order, at most `limit` in all, filtered by model', async () => {
    await enqueueAll(q(), [
      entry({ key: { id: 'low', correlationId: 'c' }, priority: 'low', deadline: T0 + 1 }),
      entry({ key: { id: 'med', correlationId: 'c' }, priority: 'medium', deadline: T0 + 5 }),
      entry({ key: { id: 'high', correlationId: 'c' }, priority: 'high', deadline: T0 + 9 }),
      entry({ key: { id: 'img', correlationId: 'c' }, priority: 'high', taskType: 'image_analysis', deadline: T0 }),
    ]);
    expect(ids(await q().waiting({ now: T0, limit: 10, merged: true }))).toEqual(['img', 'high', 'med', 'low']);
    expect(ids(await q().waiting({ now: T0, limit: 2, merged: true }))).toEqual(['img', 'high']);
    const model = { id: 'm1', tasks: ['text_generation'] as const };
    expect(ids(await q().waiting({ now: T0, limit: 2, merged: true, model }))).toEqual(['high', 'med']);
  });

  it('orders by waiting time at the default aging (30 s per level), without any write as requests age', async () => {
    await enqueueAll(q(), [
      entry({ key: { id: 'old-low', correlationId: 'c' }, priority: 'low', firstSeen: T0 - 70_000, deadline: T0 + 50 }),
      entry({ key: { id: 'old-med', correlationId: 'c' }, priority: 'medium', firstSeen: T0 - 40_000, deadline: T0 + 90 }),
      entry({ key: { id: 'new-med', correlationId: 'c' }, priority: 'medium', firstSeen: T0, deadline: T0 + 10 }),
      entry({ key: { id: 'high', correlationId: 'c' }, priority: 'high', firstSeen: T0, deadline: T0 + 70 }),
    ]);
    // Virtual times: old-low T0 − 10 s (70 s waited, two levels), old-med T0 − 10 s (one level),
    // high T0, new-med T0 + 30 s; the tie goes to the earlier deadline.
    const merged = await q().waiting({ now: T0, limit: 10, merged: true });
    expect(ids(merged)).toEqual(['old-low', 'old-med', 'high', 'new-med']);
    // Each keeps its own priority; a per-priority read lists by its own priority.
    expect(merged.map((i) => i.priority)).toEqual(['low', 'medium', 'high', 'medium']);
    expect(ids(await q().waiting({ now: T0, limit: 10, priorities: ['medium'] }))).toEqual(['old-med', 'new-med']);
    expect(await q().depth()).toEqual({ high: 1, medium: 2, low: 1 });
  });

  it('a requeued request is back at its place in the order', async () => {
    const old = entry({ key: { id: 'old', correlationId: 'c' }, priority: 'low', firstSeen: T0 - 90_000 });
    const fresh = entry({ key: { id: 'fresh', correlationId: 'c' }, priority: 'high', firstSeen: T0 });
    await enqueueAll(q(), [old, fresh]);
    expect((await q().claim(old.key, 'o1', 1_000, T0)).kind).toBe('claimed');
    expect(ids(await q().waiting({ now: T0, limit: 10, merged: true }))).toEqual(['fresh']);
    expect(await q().requeue(old.key, 'o1', old, T0)).toBe(true);
    expect(ids(await q().waiting({ now: T0, limit: 10, merged: true }))).toEqual(['old', 'fresh']);
  });
}

/** Registration of a request whose slot was leased first (the admission fast path). */
export function claimedRegistrationContract(q: () => WorkQueue): void {
  it('registers a request already claimed: running, owned, lapsing like any claim, never listed as waiting', async () => {
    const e = entry({ key: { id: 'fast', correlationId: 'c' } });
    expect(await q().enqueueClaimed(e, 'o1', 1_000, T0)).toEqual({ kind: 'queued' });
    expect(await q().waiting({ now: T0, limit: 10, merged: true })).toEqual([]);
    expect(await q().get(e.key)).toMatchObject({ state: 'running', owner: 'o1', until: T0 + 1_000 });
    expect(await q().extend(e.key, 'o1', 1_000, T0 + 500)).toBe(true);
    // A redelivery changes nothing, and its caller holds no claim.
    expect((await q().enqueueClaimed(e, 'o2', 1_000, T0 + 600)).kind).toBe('present');
    expect((await q().enqueue([e]))[0]?.kind).toBe('present');
    expect((await q().claim(e.key, 'o2', 1_000, T0 + 700)).kind).toBe('busy');
    // Its owner died: the claim lapses and the sweep finds it.
    expect((await q().lapsed(T0 + 2_000, 10)).map((i) => i.key.id)).toEqual(['fast']);
  });
}
