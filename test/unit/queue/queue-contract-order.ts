import { expect, it } from 'vitest';
import type { WorkQueue } from '../../../lib/queue/types.js';
import { T0, answer, enqueueAll, entry, ids } from './queue-fixtures.js';

/** waiting() and depth(): priority, then deadline, then first seen; limits and filters. */
export function orderContract(q: () => WorkQueue): void {
  it('lists waiting requests by priority, then deadline, then first seen', async () => {
    const e = [
      entry({ key: { id: 'low-1', correlationId: 'c' }, priority: 'low', deadline: T0 + 1 }),
      entry({ key: { id: 'med-late', correlationId: 'c' }, priority: 'medium', deadline: T0 + 9_000 }),
      entry({ key: { id: 'high-b', correlationId: 'c' }, priority: 'high', deadline: T0 + 5_000, firstSeen: T0 + 2 }),
      entry({ key: { id: 'med-early', correlationId: 'c' }, priority: 'medium', deadline: T0 + 1_000 }),
      entry({ key: { id: 'high-a', correlationId: 'c' }, priority: 'high', deadline: T0 + 5_000, firstSeen: T0 + 1 }),
      entry({ key: { id: 'high-first', correlationId: 'c' }, priority: 'high', deadline: T0 + 100 }),
    ];
    await enqueueAll(q(), e);
    expect(ids(await q().waiting({ now: T0, limit: 10 }))).toEqual(['high-first', 'high-a', 'high-b', 'med-early', 'med-late', 'low-1']);
  });

  it('returns at most `limit` per priority, the best ones, and only the priorities asked for', async () => {
    const entries = [...Array(12).keys()].map((i) =>
      entry({ key: { id: `${['high', 'medium', 'low'][i % 3]}-${i}`, correlationId: 'c' }, priority: (['high', 'medium', 'low'] as const)[i % 3], deadline: T0 + 1_000 - i }),
    );
    await enqueueAll(q(), entries);
    expect(ids(await q().waiting({ now: T0, limit: 2 }))).toEqual(['high-9', 'high-6', 'medium-10', 'medium-7', 'low-11', 'low-8']);
    expect(ids(await q().waiting({ now: T0, limit: 1, priorities: ['low', 'high'] }))).toEqual(['high-9', 'low-11']);
    expect(await q().waiting({ now: T0, limit: 0 })).toEqual([]);
  });

  it('filters by model: a task it serves, and not pinned to another model', async () => {
    const noise = [...Array(30).keys()].map(() => entry({ taskType: 'image_analysis', deadline: T0 }));
    const pinnedElsewhere = [...Array(5).keys()].map(() => entry({ modelId: 'other', deadline: T0 }));
    const text = entry({ key: { id: 'text', correlationId: 'c' }, deadline: T0 + 10 });
    const pinned = entry({ key: { id: 'pinned', correlationId: 'c' }, modelId: 'm1', deadline: T0 + 20 });
    const data = entry({ key: { id: 'data', correlationId: 'c' }, taskType: 'data_processing', priority: 'high' });
    await enqueueAll(q(), [...noise, ...pinnedElsewhere, text, pinned, data]);
    const model = { id: 'm1', tasks: ['text_generation', 'data_processing'] as const };
    expect(ids(await q().waiting({ now: T0, limit: 5, model }))).toEqual(['data', 'text', 'pinned']);
    expect(ids(await q().waiting({ now: T0, limit: 1, model }))).toEqual(['data', 'text']);
    expect(await q().waiting({ now: T0, limit: 5, model: { id: 'm2', tasks: [] } })).toEqual([]);
    expect(await q().waiting({ now: T0, limit: 100 })).toHaveLength(38);
  });

  it('includes requests not yet due and past their deadline; the caller decides', async () => {
    const later = entry({ key: { id: 'later', correlationId: 'c' }, notBefore: T0 + 5_000, deadline: T0 + 1 });
    const late = entry({ key: { id: 'late', correlationId: 'c' }, deadline: T0 - 10_000 });
    await enqueueAll(q(), [later, late]);
    expect(ids(await q().waiting({ now: T0, limit: 10 }))).toEqual(['late', 'later']);
  });

  it('lists only waiting requests, and a requeued one in its old place', async () => {
    const [a, b, c] = [1, 2, 3].map((i) => entry({ key: { id: `r${i}`, correlationId: 'c' }, deadline: T0 + i }));
    await enqueueAll(q(), [a!, b!, c!]);
    await q().claim(a!.key, 'o', 1_000, T0);
    await q().claim(b!.key, 'o', 1_000, T0);
    expect(await q().complete(b!.key, 'o', answer(b!.key), 1_000, T0)).toBe(true);
    expect(ids(await q().waiting({ now: T0, limit: 10 }))).toEqual(['r3']);
    expect(await q().requeue(a!.key, 'o', { attempts: 1, countedAttempts: 1, failedModels: ['m'], notBefore: T0 + 100 }, T0)).toBe(true);
    expect(ids(await q().waiting({ now: T0, limit: 10 }))).toEqual(['r1', 'r3']);
  });

  it('counts waiting requests per priority', async () => {
    expect(await q().depth()).toEqual({ high: 0, medium: 0, low: 0 });
    const entries = [
      ...[...Array(3).keys()].map(() => entry({ priority: 'high' })),
      ...[...Array(2).keys()].map(() => entry({ priority: 'low' })),
      entry({ priority: 'medium', notBefore: T0 + 10_000 }),
    ];
    await enqueueAll(q(), entries);
    expect(await q().depth()).toEqual({ high: 3, medium: 1, low: 2 });
    await q().claim(entries[0]!.key, 'o', 1_000, T0);
    expect(await q().depth()).toEqual({ high: 2, medium: 1, low: 2 });
    await q().requeue(entries[0]!.key, 'o', { attempts: 1, countedAttempts: 0, failedModels: [], notBefore: 0 }, T0);
    expect(await q().depth()).toEqual({ high: 3, medium: 1, low: 2 });
  });
}
