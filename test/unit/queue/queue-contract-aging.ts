import { expect, it } from 'vitest';
import type { WorkQueue } from '../../../lib/queue/types.js';
import { T0, enqueueAll, entry, ids } from './queue-fixtures.js';

/** Merged reads (one list across priorities) and promotion by aging. */
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

  it('promotes requests waiting longer than the aging time one priority up, once, keeping their own priority', async () => {
    await enqueueAll(q(), [
      entry({ key: { id: 'old-low', correlationId: 'c' }, priority: 'low', firstSeen: T0 - 60_000, deadline: T0 + 50 }),
      entry({ key: { id: 'old-med', correlationId: 'c' }, priority: 'medium', firstSeen: T0 - 60_000, deadline: T0 + 90 }),
      entry({ key: { id: 'new-med', correlationId: 'c' }, priority: 'medium', firstSeen: T0, deadline: T0 + 10 }),
      entry({ key: { id: 'high', correlationId: 'c' }, priority: 'high', firstSeen: T0 - 60_000, deadline: T0 + 70 }),
    ]);
    expect(await q().promote(T0, 30_000, 100)).toBe(2);
    // The old medium now competes as high (deadline order among highs), the old low as medium.
    const merged = await q().waiting({ now: T0, limit: 10, merged: true });
    expect(ids(merged)).toEqual(['high', 'old-med', 'new-med', 'old-low']);
    expect(merged.map((i) => [i.key.id, i.priority, i.promoted ?? false])).toEqual([
      ['high', 'high', false], ['old-med', 'medium', true], ['new-med', 'medium', false], ['old-low', 'low', true],
    ]);
    // One level, once: later only the newer medium has aged (it now leads on its deadline); the
    // old low stays at medium.
    expect(await q().promote(T0 + 120_000, 30_000, 100)).toBe(1);
    expect(ids(await q().waiting({ now: T0, limit: 10, merged: true }))).toEqual(['new-med', 'high', 'old-med', 'old-low']);
  });

  it('a claim ends a promotion: requeued, the request is back at its own priority', async () => {
    const old = entry({ key: { id: 'old', correlationId: 'c' }, priority: 'low', firstSeen: T0 - 60_000 });
    await enqueueAll(q(), [old]);
    expect(await q().promote(T0, 30_000, 10)).toBe(1);
    expect((await q().claim(old.key, 'o1', 1_000, T0)).kind).toBe('claimed');
    expect(await q().requeue(old.key, 'o1', old, T0)).toBe(true);
    const [back] = await q().waiting({ now: T0, limit: 10, priorities: ['low'] });
    expect(back?.promoted ?? false).toBe(false);
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
