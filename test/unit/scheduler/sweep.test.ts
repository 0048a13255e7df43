import { describe, expect, it } from 'vitest';
import { AgentRequestSchema } from '../../../lib/contracts/request.js';
import { completedResult } from '../../../lib/contracts/results.js';
import type { QueueEntry } from '../../../lib/queue/types.js';
import { dispatch } from '../../../lib/scheduler/dispatch.js';
import { sweep } from '../../../lib/scheduler/sweep.js';
import type { Harness } from './fixtures.js';
import { harness, model, record, testConfig } from './fixtures.js';
import { admit, answerFrom, entryOf, hold, lettersOf, resultRecords, resultsOf, sleep } from './flow.js';

const config = () => testConfig([model('a', 2)], { scheduler: { max_attempts: 3, aging_ms: 0, republish_margin_ms: 0 } });

/** Registers an entry and claims it for a call that then dies: its claim lapses almost at once. */
async function strand(h: Harness, entry: QueueEntry): Promise<void> {
  await h.queue.enqueue([entry]);
  expect((await h.queue.claim(entry.key, 'dead-call', 1, Date.now())).kind).toBe('claimed');
  await sleep(5);
}

/** The answer a dead call stored before it could publish it (its grace lapses almost at once). */
async function storeUnpublished(h: Harness, entry: QueueEntry): Promise<void> {
  await h.queue.enqueue([entry]);
  expect((await h.queue.claim(entry.key, 'dead-publisher', 60_000, Date.now())).kind).toBe('claimed');
  const request = AgentRequestSchema.parse(entry.request);
  const result = completedResult(request, { modelId: 'a', content: 'stored answer', usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }, queuedMs: 0, llmMs: 1, attempts: 1 });
  expect(await h.queue.complete(entry.key, 'dead-publisher', result, 1, Date.now())).toBe(true);
  await sleep(5);
}

describe('Function: sweep', () => {
  it('requeues a running request whose claim lapsed, which is then answered once', async () => {
    // Prepare
    const h = await harness(config());
    const { entry } = entryOf({ id: 'orphan', correlation_id: 'orphan' });
    await strand(h, entry);

    // Act
    const swept = await sweep(h.deps);

    // Assess
    expect(swept).toMatchObject({ requeued: 1, republished: 0, failed: 0 });
    expect(await h.queue.get(entry.key)).toMatchObject({ state: 'waiting', countedAttempts: 1 });

    // Act: the next dispatch runs it; a later sweep finds nothing.
    await dispatch(h.deps);
    await h.idle();
    const again = await sweep(h.deps);

    // Assess
    expect(again).toMatchObject({ requeued: 0, republished: 0, failed: 0 });
    expect(resultsOf(h, 'orphan')).toMatchObject([{ status: 'completed' }]);
    expect(h.llm.calls).toHaveLength(1);
    expect((await h.queue.get(entry.key))!.state).toBe('published');
  });

  it('answers failed, with a dead letter, a request whose call died max_attempts times', async () => {
    // Prepare: two calls died on it already.
    const h = await harness(config());
    const { entry } = entryOf({ id: 'crasher', correlation_id: 'crasher' });
    await strand(h, { ...entry, attempts: 2, countedAttempts: 2 });

    // Act
    const swept = await sweep(h.deps);

    // Assess
    expect(swept).toMatchObject({ requeued: 0, failed: 1 });
    expect(resultsOf(h, 'crasher')).toMatchObject([{ status: 'failed', error: { code: 'model_error' } }]);
    expect(lettersOf(h, 'crasher')).toHaveLength(1);
    expect(h.llm.calls).toEqual([]);
  });

  it('publishes a stored answer past its grace again, flagged as a redelivery, and marks it published', async () => {
    // Prepare
    const h = await harness(config());
    const { entry } = entryOf({ id: 'stranded', correlation_id: 'stranded' });
    await storeUnpublished(h, entry);

    // Act
    const swept = await sweep(h.deps);
    const again = await sweep(h.deps);

    // Assess
    expect(swept).toMatchObject({ republished: 1, requeued: 0 });
    expect(again.republished).toBe(0);
    const copies = resultRecords(h, 'stranded');
    expect(copies).toHaveLength(1);
    expect(copies[0]!.headers).toMatchObject({ 'agentsched-redelivery': '1', correlation_id: 'stranded' });
    expect(JSON.parse(copies[0]!.value.toString())).toMatchObject({ status: 'completed', content: 'stored answer' });
    expect((await h.queue.get(entry.key))!.state).toBe('published');
    expect(h.llm.calls).toEqual([]);
  });

  it('publishes the answer of a call whose publish failed after it stored it, without a second model call', async () => {
    // Prepare: Kafka goes away just as the answer is published.
    const h = await harness(config());
    h.llm.behaviour = (m, r) => {
      h.publisher.failNext(1);
      return Promise.resolve(answerFrom(m.id, r.id));
    };
    await admit(h, [record({ id: 'unpublished', correlation_id: 'unpublished' })]);
    await h.idle();
    expect(resultsOf(h, 'unpublished')).toEqual([]);

    // Act
    const swept = await sweep(h.deps);

    // Assess
    expect(swept.republished).toBe(1);
    const copies = resultRecords(h, 'unpublished');
    expect(copies).toHaveLength(1);
    expect(copies[0]!.headers?.['agentsched-redelivery']).toBe('1');
    expect(JSON.parse(copies[0]!.value.toString())).toMatchObject({ status: 'completed', content: 'answer from a to unpublished' });
    expect((await h.queue.get({ id: 'unpublished', correlationId: 'unpublished' }))!.state).toBe('published');
    expect(h.llm.calls).toHaveLength(1);
    expect((await h.store.getModel('a'))!.state.inFlight).toBe(0);
  });

  it('republishes the dead letter of an invalid record without a correlation id as its first publisher would', async () => {
    // Prepare: Kafka fails on the only publish (the dead letter); the batch is not retried.
    const h = await harness(config());
    const anonymous = record({ id: 'no-corr', correlation_id: undefined });
    h.publisher.failNext(1);
    await expect(admit(h, [anonymous])).rejects.toThrow();
    await sleep(2);

    // Act
    const swept = await sweep(h.deps);

    // Assess: no result (nothing to address it to); the letter names no correlation id, not the queue's position key.
    expect(swept.republished).toBe(1);
    expect(h.results()).toEqual([]);
    const letters = h.publisher.on(h.deps.config.kafka.topics.dead_letter);
    expect(letters).toHaveLength(1);
    expect(JSON.parse(letters[0]!.value.toString())).toMatchObject({ request_id: 'no-corr', correlation_id: null, reason: { code: 'invalid_request' } });
    expect(letters[0]!.key ?? null).toBeNull();
    expect(letters[0]!.headers?.['correlation_id']).toBeUndefined();
  });

  it('returns expired slot leases to the capacity table', async () => {
    // Prepare: two holders that died without releasing.
    const h = await harness(config());
    await hold(h, 'a', 'high', 1);
    await hold(h, 'a', 'low', 1);
    expect((await h.store.getModel('a'))!.state.inFlight).toBe(2);
    await sleep(5);

    // Act
    const swept = await sweep(h.deps);

    // Assess
    expect(swept.reclaimed).toBe(2);
    expect((await h.store.getModel('a'))!.state.inFlight).toBe(0);
  });
});
