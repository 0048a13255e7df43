import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../lib/scheduler/dispatch.js';
import { harness, model, record, testConfig } from './fixtures.js';
import { admit, entryOf, hold, lettersOf, modelsCalledFor, recordingCalls, resultsOf, sleep } from './flow.js';

describe('Function: dispatch', () => {
  it('starts high before medium before low when slots are scarce, whatever the arrival order', async () => {
    // Prepare: the only slot is taken while the requests arrive, lowest priority first.
    const h = await harness(testConfig([model('a', 1)], { scheduler: { aging_ms: 0 } }));
    const held = await hold(h, 'a');
    const batch = (['low', 'medium', 'high'] as const).map((p) => record({ id: `p-${p}`, correlation_id: `p-${p}`, priority: p }));
    const admitted = await admit(h, batch);
    expect(admitted).toMatchObject({ queued: 3, started: 0 });

    // Act
    await h.store.release(held);
    await dispatch(h.deps);
    await h.idle();

    // Assess
    expect(h.llm.calls.map((c) => c.priority)).toEqual(['high', 'medium', 'low']);
    for (const p of ['low', 'medium', 'high']) expect(resultsOf(h, `p-${p}`).map((r) => r.status)).toEqual(['completed']);
  });

  it('runs a request pinned to a model only on that model', async () => {
    // Prepare
    const h = await harness(testConfig([model('a', 3), model('b', 3)]));
    const pinned = [1, 2, 3, 4].map((i) => record({ id: `pin-${i}`, correlation_id: `pin-${i}`, model_id: 'b' }));
    const free = [1, 2].map((i) => record({ id: `free-${i}`, correlation_id: `free-${i}` }));

    // Act
    await admit(h, [...pinned, ...free]);
    await h.idle();

    // Assess
    for (let i = 1; i <= 4; i++) {
      expect(modelsCalledFor(h, `pin-${i}`)).toEqual(['b']);
      expect(resultsOf(h, `pin-${i}`)).toMatchObject([{ status: 'completed', model_id: 'b' }]);
    }
    expect(h.results()).toHaveLength(6);
  });

  it('answers a request past its deadline deadline_exceeded, without a model call or a dead letter', async () => {
    // Prepare
    const h = await harness(testConfig([model('a', 1)]));
    const late = record({ id: 'late', correlation_id: 'late', deadline_ms: Date.now() - 1_000 });

    // Act
    const summary = await admit(h, [late]);
    await h.idle();

    // Assess
    expect(summary.started).toBe(0);
    expect(resultsOf(h, 'late')).toMatchObject([{ status: 'failed', model_id: null, error: { code: 'deadline_exceeded' } }]);
    expect(h.llm.calls).toEqual([]);
    expect(lettersOf(h, 'late')).toEqual([]);
    expect((await h.store.getModel('a'))!.state.inFlight).toBe(0);
  });

  it('answers no_capable_model, with a dead letter, for a task no model supports or an unknown pinned model', async () => {
    // Prepare
    const h = await harness(testConfig([model('a', 1, { supported_tasks: ['text_generation'] })]));
    const image = record({ id: 'img', correlation_id: 'img', task_type: 'image_analysis' });
    const ghost = record({ id: 'ghost', correlation_id: 'ghost', model_id: 'nowhere' });

    // Act
    await admit(h, [image, ghost]);
    await h.idle();

    // Assess
    expect(resultsOf(h, 'img')).toMatchObject([{ status: 'failed', error: { code: 'no_capable_model' } }]);
    expect(resultsOf(h, 'img')[0]!.error!.message).toMatch(/image_analysis/);
    expect(resultsOf(h, 'ghost')).toMatchObject([{ status: 'failed', error: { code: 'no_capable_model' } }]);
    expect(resultsOf(h, 'ghost')[0]!.error!.message).toMatch(/nowhere/);
    expect(lettersOf(h, 'img')).toHaveLength(1);
    expect(lettersOf(h, 'ghost')).toHaveLength(1);
    expect(h.llm.calls).toEqual([]);
  });

  it('never gives a model more calls than its capacity, and answers every request once', async () => {
    // Prepare
    const h = await harness(testConfig([model('a', 2), model('b', 1)]));
    h.llm.behaviour = async (m, r) => {
      await sleep(3);
      return { content: `${m.id}:${r.id}`, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, latencyMs: 3 };
    };
    const priorities = ['high', 'medium', 'low'] as const;
    const batches = [0, 1, 2, 3].map((b) =>
      Array.from({ length: 6 }, (_, i) => record({ id: `m-${b}-${i}`, correlation_id: `m-${b}-${i}`, priority: priorities[i % 3]! })),
    );

    // Act: batches of several partitions at once.
    await Promise.all(batches.map((batch) => admit(h, batch)));
    await h.idle();

    // Assess
    expect(h.llm.peak.get('a')).toBeLessThanOrEqual(2);
    expect(h.llm.peak.get('b') ?? 0).toBeLessThanOrEqual(1);
    expect(h.llm.calls).toHaveLength(24);
    expect(new Set(h.results().map((r) => r.correlation_id)).size).toBe(24);
    expect(h.results()).toHaveLength(24);
    for (const id of ['a', 'b']) expect((await h.store.getModel(id))!.state.inFlight).toBe(0);
    expect(await h.queue.depth()).toEqual({ high: 0, medium: 0, low: 0 });
  });

  it('lets a low request that waited longer than aging_ms go ahead of fresher, higher ones', async () => {
    // Prepare: two slots; a fresh high, a fresh medium and a low first seen a minute ago wait.
    const started = async (agingMs: number): Promise<string[]> => {
      const calls = recordingCalls(false);
      const h = await harness(testConfig([model('a', 2)], { scheduler: { aging_ms: agingMs } }), { wrapCalls: () => calls });
      const aged = entryOf({ id: 'aged-low', correlation_id: 'aged-low', priority: 'low' }, { timestamp: Date.now() - 60_000 });
      const fresh = (['medium', 'high'] as const).map((p) => entryOf({ id: `fresh-${p}`, correlation_id: `fresh-${p}`, priority: p }));
      await h.queue.enqueue([aged.entry, ...fresh.map((f) => f.entry)]);
      await dispatch(h.deps);
      return calls.events.flatMap((e) => e.calls.map((c) => c.key.id)).sort();
    };

    // Act
    const withAging = await started(5_000);
    const withoutAging = await started(0);

    // Assess: aged twelve aging periods, it leads the order (then high); without aging it waits.
    expect(withAging).toEqual(['aged-low', 'fresh-high']);
    expect(withoutAging).toEqual(['fresh-high', 'fresh-medium']);
  });
});
