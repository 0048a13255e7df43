import { describe, expect, it } from 'vitest';
import { LlmCallError } from '../../../lib/llm/errors.js';
import type { CallEvent } from '../../../lib/scheduler/call-event.js';
import { MIN_CALL_MS, runCallEvent } from '../../../lib/scheduler/call-run.js';
import { dispatch } from '../../../lib/scheduler/dispatch.js';
import { harness, longInvocation, model, record, serverError, testConfig } from './fixtures.js';
import { admit, answerFrom, entryOf, eventually, lettersOf, modelsCalledFor, recordingCalls, resultsOf } from './flow.js';

const twoModels = (scheduler: Record<string, unknown> = {}) => testConfig([model('a', 1), model('b', 1)], { scheduler: { backoff_base_ms: 1, backoff_max_ms: 5, republish_margin_ms: 0, ...scheduler } });

describe('Function: runCallEvent', () => {
  it('retries a 500 on another model and completes with attempts 2 after one successful call', async () => {
    // Prepare
    const h = await harness(twoModels());
    let n = 0;
    h.llm.behaviour = (m, r) => (n++ === 0 ? Promise.reject(serverError()) : Promise.resolve(answerFrom(m.id, r.id)));

    // Act
    await admit(h, [record({ id: 'flaky', correlation_id: 'flaky' })]);
    await h.idle();

    // Assess
    const [first, second] = modelsCalledFor(h, 'flaky');
    expect(modelsCalledFor(h, 'flaky')).toHaveLength(2);
    expect(second).not.toBe(first);
    expect(resultsOf(h, 'flaky')).toMatchObject([{ status: 'completed', attempts: 2, model_id: second }]);
    expect(lettersOf(h, 'flaky')).toEqual([]);
  });

  it('does not count a 429 as an attempt, and cools the model down so the next request avoids it', async () => {
    // Prepare: one counted attempt allowed; the first call is rate limited.
    const h = await harness(twoModels({ max_attempts: 1 }));
    let limited: string | undefined;
    h.llm.behaviour = (m, r) => {
      if (limited === undefined) {
        limited = m.id;
        return Promise.reject(new LlmCallError('rate_limited', 'HTTP 429: slow down', { status: 429, retryAfterMs: 30_000 }));
      }
      return Promise.resolve(answerFrom(m.id, r.id));
    };

    // Act
    await admit(h, [record({ id: 'first', correlation_id: 'first' })]);
    await h.idle();
    await admit(h, [record({ id: 'second', correlation_id: 'second' })]);
    await h.idle();

    // Assess
    const other = limited === 'a' ? 'b' : 'a';
    expect(resultsOf(h, 'first')).toMatchObject([{ status: 'completed', model_id: other }]);
    expect((await h.store.getModel(limited!))!.state.cooldownUntil).toBeGreaterThan(Date.now());
    expect(modelsCalledFor(h, 'second')).toEqual([other]);
    expect(resultsOf(h, 'second')).toMatchObject([{ status: 'completed', model_id: other }]);
    for (const id of ['a', 'b']) expect((await h.store.getModel(id))!.state.inFlight).toBe(0);
  });

  it('fails a 400 at once, with a dead letter and no retry', async () => {
    // Prepare
    const h = await harness(twoModels());
    h.llm.behaviour = () => Promise.reject(new LlmCallError('rejected', 'HTTP 400: bad request', { status: 400 }));

    // Act
    await admit(h, [record({ id: 'bad', correlation_id: 'bad' })]);
    await h.idle();

    // Assess
    expect(modelsCalledFor(h, 'bad')).toHaveLength(1);
    expect(resultsOf(h, 'bad')).toMatchObject([{ status: 'failed', attempts: 1, error: { code: 'model_rejected', retryable: false } }]);
    expect(lettersOf(h, 'bad')).toMatchObject([{ reason: { code: 'model_rejected' } }]);
  });

  it('answers failed with a dead letter after max_attempts server errors', async () => {
    // Prepare
    const h = await harness(twoModels({ max_attempts: 3 }));
    h.llm.behaviour = () => Promise.reject(serverError());

    // Act
    await admit(h, [record({ id: 'down', correlation_id: 'down' })]);
    await h.idle();

    // Assess
    expect(modelsCalledFor(h, 'down')).toHaveLength(3);
    expect(resultsOf(h, 'down')).toMatchObject([{ status: 'failed', attempts: 3, error: { code: 'model_error' } }]);
    expect(lettersOf(h, 'down')).toMatchObject([{ attempts: 3, reason: { code: 'model_error' } }]);
    expect(await h.queue.depth()).toEqual({ high: 0, medium: 0, low: 0 });
  });

  it('runs the model once when the same doorbell rings twice', async () => {
    // Prepare: a Lambda-like invoker (may deliver twice) whose events the test runs itself.
    const calls = recordingCalls(true);
    const h = await harness(twoModels(), { wrapCalls: () => calls });
    await admit(h, [record({ id: 'dup', correlation_id: 'dup' })]);
    const [event] = calls.events;

    // Act
    const summaries = await Promise.all([
      runCallEvent(event!, h.deps, { ...longInvocation, requestId: 'copy-1' }),
      runCallEvent(event!, h.deps, { ...longInvocation, requestId: 'copy-2' }),
    ]);

    // Assess
    expect(summaries.map((s) => s.calls).sort()).toEqual([0, 1]);
    expect(summaries.map((s) => s.skipped).sort()).toEqual([0, 1]);
    expect(modelsCalledFor(h, 'dup')).toHaveLength(1);
    expect(resultsOf(h, 'dup')).toHaveLength(1);
    for (const id of ['a', 'b']) expect((await h.store.getModel(id))!.state.inFlight).toBe(0);
  });

  for (const mayDuplicate of [false, true]) {
    it(`stays silent when its claim was taken by someone else before it started (mayDuplicate: ${mayDuplicate})`, async () => {
      // Prepare: the claim the dispatcher took is handed back and taken by another owner.
      const calls = recordingCalls(mayDuplicate);
      const h = await harness(twoModels(), { wrapCalls: () => calls });
      await admit(h, [record({ id: 'stolen', correlation_id: 'stolen' })]);
      const [event] = calls.events;
      const a = event!.calls[0]!;
      await h.queue.requeue(a.key, a.owner, (await h.queue.get(a.key))!, Date.now());
      expect((await h.queue.claim(a.key, 'someone-else', 60_000, Date.now())).kind).toBe('claimed');

      // Act
      const summary = await runCallEvent(event!, h.deps, { ...longInvocation, requestId: 'late-copy' });

      // Assess
      expect(summary).toMatchObject({ calls: 0, skipped: 1 });
      expect(h.llm.calls).toEqual([]);
      expect(h.results()).toEqual([]);
      expect(await h.queue.get(a.key)).toMatchObject({ state: 'running', owner: 'someone-else' });
      // Without duplicates the slot is given back at once; with them it is left to the copy that runs (else it lapses).
      if (!mayDuplicate) expect((await h.store.getModel(a.lease.modelId))!.state.inFlight).toBe(0);
    });
  }

  it('answers a request whose deadline is nearer than MIN_CALL_MS once, without bouncing it between queue and calls', async () => {
    // Prepare: count the doorbells rung for it.
    const rung: CallEvent[] = [];
    const h = await harness(twoModels(), {
      wrapCalls: (inner) => ({
        mayDuplicate: false,
        invoke: (event: CallEvent) => {
          rung.push(event);
          return inner.invoke(event);
        },
      }),
    });
    const soon = record({ id: 'soon', correlation_id: 'soon', deadline_ms: Date.now() + MIN_CALL_MS / 2 });

    // Act
    await admit(h, [soon]);
    await h.idle();

    // Assess: one answer, and a bounded number of starts (not one per millisecond until the deadline passes).
    expect(resultsOf(h, 'soon')).toHaveLength(1);
    expect(rung.length).toBeLessThanOrEqual(2);
  });

  it('runs a request rate limited on the only model that serves it once the cooldown ends', async () => {
    // Prepare: a short cooldown (429 with Retry-After 150 ms), and no other traffic to trigger a dispatch.
    const h = await harness(testConfig([model('solo', 1)], { capacity: { cooldown: { base_ms: 100, max_ms: 200, failure_threshold: 2 } } }));
    let n = 0;
    h.llm.behaviour = (m, r) =>
      n++ === 0 ? Promise.reject(new LlmCallError('rate_limited', 'HTTP 429', { status: 429, retryAfterMs: 150 })) : Promise.resolve(answerFrom(m.id, r.id));

    // Act
    await admit(h, [record({ id: 'patient', correlation_id: 'patient' })]);
    await h.idle();
    await eventually(() => resultsOf(h, 'patient').length > 0, 3_000).catch(() => undefined);

    // Assess
    expect(resultsOf(h, 'patient')).toMatchObject([{ status: 'completed', model_id: 'solo' }]);
    expect(modelsCalledFor(h, 'patient')).toEqual(['solo', 'solo']);
  });

  it('stays silent when its claim is taken over during the model call', async () => {
    // Prepare
    const calls = recordingCalls(false);
    const h = await harness(twoModels(), { wrapCalls: () => calls });
    const { entry } = entryOf({ id: 'overtaken', correlation_id: 'overtaken' });
    await h.queue.enqueue([entry]);
    await dispatch(h.deps);
    const [event] = calls.events;
    const a = event!.calls[0]!;
    h.llm.behaviour = async (m, r) => {
      // The claim lapsed during a stall and another call took the request over.
      const held = (await h.queue.get(a.key))!;
      await h.queue.requeue(a.key, a.owner, held, Date.now());
      await h.queue.claim(a.key, 'takeover', 60_000, Date.now());
      return answerFrom(m.id, r.id);
    };

    // Act
    const summary = await runCallEvent(event!, h.deps, longInvocation);

    // Assess
    expect(summary).toMatchObject({ calls: 1, completed: 0 });
    expect(h.results()).toEqual([]);
    expect(h.deadLetters()).toEqual([]);
    expect(await h.queue.get(a.key)).toMatchObject({ state: 'running', owner: 'takeover' });
    expect((await h.store.getModel(a.lease.modelId))!.state.inFlight).toBe(0);
  });
});
