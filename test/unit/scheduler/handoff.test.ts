import { describe, expect, it } from 'vitest';
import type { CallReport } from '../../../lib/capacity/types.js';
import { handOff } from '../../../lib/scheduler/handoff.js';
import { harness, longInvocation, model, record, testConfig } from './fixtures.js';
import { admit, answerFrom, entryOf, gate, hold, modelsCalledFor, recordingCalls, resultsOf } from './flow.js';

const ok: CallReport = { ok: true, latencyMs: 5, promptTokens: 3, completionTokens: 4 };

/** Model `text` serves text only, `vision` images only; one slot each. */
const split = () =>
  testConfig([model('text', 1, { supported_tasks: ['text_generation'] }), model('vision', 1, { supported_tasks: ['image_analysis'] })], {
    scheduler: { aging_ms: 0, republish_margin_ms: 0 },
  });

describe('Function: handOff', () => {
  it('gives a freed slot to the best waiting request its model can serve, not to one it cannot', async () => {
    // Prepare: the vision slot is taken; a call holds the text slot while requests queue up.
    const calls = recordingCalls(false);
    const h = await harness(split(), { wrapCalls: () => calls });
    await hold(h, 'vision');
    const text = await hold(h, 'text');
    const image = entryOf({ id: 'img-high', correlation_id: 'img-high', priority: 'high', task_type: 'image_analysis' });
    const low = entryOf({ id: 'txt-low', correlation_id: 'txt-low', priority: 'low' });
    const medium = entryOf({ id: 'txt-medium', correlation_id: 'txt-medium', priority: 'medium' });
    await h.queue.enqueue([image.entry, low.entry, medium.entry]);

    // Act: the text call finishes (its slot is released, then the queue read for it).
    const first = await handOff(h.deps, text, ok, longInvocation, 0);

    // Assess: the medium text request got the slot through a new call.
    expect(first).toBeUndefined();
    expect(calls.events.flatMap((e) => e.calls.map((c) => [c.key.id, c.lease.modelId]))).toEqual([['txt-medium', 'text']]);
    expect((await h.queue.get(medium.entry.key))!.state).toBe('running');

    // Act: that call finishes while its model still has waiting work: the slot is handed on directly.
    const second = await handOff(h.deps, calls.events[0]!.calls[0]!.lease, ok, longInvocation, 0);

    // Assess
    expect(second?.item.key.id).toBe('txt-low');
    expect(second?.lease.modelId).toBe('text');
    expect(await h.queue.get(low.entry.key)).toMatchObject({ state: 'running', owner: second?.owner });
    expect((await h.store.getModel('text'))!.state.inFlight).toBe(1);
    expect((await h.queue.get(image.entry.key))!.state).toBe('waiting');
    expect(calls.events).toHaveLength(1);
  });

  it('releases the slot when nothing waiting fits its model', async () => {
    // Prepare: only an image request waits; the text slot frees up.
    const calls = recordingCalls(false);
    const h = await harness(split(), { wrapCalls: () => calls });
    await hold(h, 'vision');
    const text = await hold(h, 'text');
    const image = entryOf({ id: 'img-only', correlation_id: 'img-only', priority: 'high', task_type: 'image_analysis' });
    await h.queue.enqueue([image.entry]);

    // Act
    const next = await handOff(h.deps, text, ok, longInvocation, 0);

    // Assess
    expect(next).toBeUndefined();
    expect((await h.store.getModel('text'))!.state.inFlight).toBe(0);
    expect(calls.events).toEqual([]);
    expect((await h.queue.get(image.entry.key))!.state).toBe('waiting');
  });

  it('runs the waiting requests on a freed slot in priority order, end to end', async () => {
    // Prepare: a low text request runs (held on a latch); then an image request and two text requests queue up.
    const h = await harness(split());
    const vision = await hold(h, 'vision');
    const latch = gate();
    h.llm.behaviour = async (m, r) => {
      if (r.id === 'running') await latch.wait;
      return answerFrom(m.id, r.id);
    };
    await admit(h, [record({ id: 'running', correlation_id: 'running', priority: 'low' })]);
    const queued = await admit(h, [
      record({ id: 'img', correlation_id: 'img', priority: 'high', task_type: 'image_analysis' }),
      record({ id: 'later-low', correlation_id: 'later-low', priority: 'low' }),
      record({ id: 'later-medium', correlation_id: 'later-medium', priority: 'medium' }),
    ]);
    expect(queued).toMatchObject({ queued: 3, started: 0 });

    // Act
    latch.open();
    await h.idle();

    // Assess
    expect(h.llm.calls.map((c) => c.id)).toEqual(['running', 'later-medium', 'later-low']);
    expect(modelsCalledFor(h, 'img')).toEqual([]);
    expect((await h.queue.get({ id: 'img', correlationId: 'img' }))!.state).toBe('waiting');

    // Act: the call holding the vision slot finishes.
    await handOff(h.deps, vision, ok, longInvocation, 0);
    await h.idle();

    // Assess
    expect(resultsOf(h, 'img')).toMatchObject([{ status: 'completed', model_id: 'vision' }]);
    expect(h.results()).toHaveLength(4);
  });
});
