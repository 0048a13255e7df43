import { describe, expect, it } from 'vitest';
import { AgentRequestSchema } from '../../../lib/contracts/request.js';
import { completedResult } from '../../../lib/contracts/results.js';
import { LlmCallError } from '../../../lib/llm/errors.js';
import { processBatch } from '../../../lib/scheduler/batch.js';
import { HEADER_ATTEMPT, HEADER_FIRST_SEEN } from '../../../lib/scheduler/job.js';
import { harness, longInvocation, model, record, serverError, testConfig } from './fixtures.js';

describe('Function: processBatch', () => {
  it('answers every request once and never runs more calls than a model has slots', async () => {
    const h = await harness(testConfig([model('a', 2), model('b', 3)]));
    const records = Array.from({ length: 30 }, (_, i) => record({ priority: (['high', 'medium', 'low'] as const)[i % 3] }));
    const summary = await processBatch(records, h.deps, longInvocation);
    expect(summary).toMatchObject({ records: 30, completed: 30, failed: 0, duplicates: 0 });
    const results = h.results();
    expect(new Set(results.map((r) => r.correlation_id)).size).toBe(30);
    expect(results.every((r) => r.status === 'completed' && r.token_count === 4)).toBe(true);
    expect(h.llm.peak.get('a')).toBeLessThanOrEqual(2);
    expect(h.llm.peak.get('b')).toBeLessThanOrEqual(3);
    // Calls overlap: the batch is not served one at a time.
    expect(Math.max(...h.llm.peak.values())).toBeGreaterThan(1);
    const state = await h.store.getModel('a');
    expect(state?.state.inFlight).toBe(0);
  });

  it('admits high before medium before low when slots are scarce', async () => {
    const h = await harness(testConfig([model('only', 1)]));
    const records = [record({ priority: 'low' }), record({ priority: 'medium' }), record({ priority: 'high' }), record({ priority: 'low' })];
    await processBatch(records, h.deps, longInvocation);
    expect(h.llm.calls.map((c) => c.priority)).toEqual(['high', 'medium', 'low', 'low']);
  });

  it('orders by earliest deadline within a priority', async () => {
    const h = await harness(testConfig([model('only', 1)]));
    const now = Date.now();
    const late = record({ id: 'late', deadline_ms: now + 60_000 });
    const soon = record({ id: 'soon', deadline_ms: now + 10_000 });
    await processBatch([late, soon], h.deps, longInvocation);
    expect(h.llm.calls.map((c) => c.id)).toEqual(['soon', 'late']);
  });

  it('answers a request past its deadline without calling a model', async () => {
    const h = await harness(testConfig([model('a', 1)]));
    await processBatch([record({ id: 'old', deadline_ms: Date.now() - 1 })], h.deps, longInvocation);
    expect(h.llm.calls).toHaveLength(0);
    expect(h.results()[0]).toMatchObject({ id: 'old', status: 'failed', error: { code: 'deadline_exceeded' } });
  });

  it('never calls a model twice for a redelivered batch and never answers twice', async () => {
    const h = await harness(testConfig([model('a', 2)]));
    const records = Array.from({ length: 5 }, () => record({}));
    await processBatch(records, h.deps, longInvocation);
    const again = await processBatch(records, h.deps, longInvocation);
    expect(again.duplicates).toBe(5);
    expect(h.llm.calls).toHaveLength(5);
    expect(h.results()).toHaveLength(5);
  });

  it('answers requests claimed by an invocation that died once its claim expires, even when the whole batch is held', async () => {
    const h = await harness(testConfig([model('a', 2)]));
    const records = [record({ id: 'held-1' }), record({ id: 'held-2' })];
    for (const r of records) {
      const body = JSON.parse(r.value.toString()) as { id: string; correlation_id: string };
      expect(await h.ledger.claim({ id: body.id, correlationId: body.correlation_id }, 'dead-owner', 300)).toEqual({ kind: 'claimed' });
    }
    const started = Date.now();
    const summary = await processBatch(records, h.deps, longInvocation);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(summary).toMatchObject({ completed: 2, duplicates: 0, deferred: 0 });
    expect(h.llm.calls.map((c) => c.id).sort()).toEqual(['held-1', 'held-2']);
    expect(h.results().map((r) => r.id).sort()).toEqual(['held-1', 'held-2']);
  });

  it('waits for a live holder to finish and then neither calls nor answers again', async () => {
    const h = await harness(testConfig([model('a', 2)]));
    const r = record({ id: 'in-hand' });
    const body = AgentRequestSchema.parse(JSON.parse(r.value.toString()));
    const key = { id: body.id, correlationId: body.correlation_id };
    await h.ledger.claim(key, 'live-owner', 60_000);
    const theirs = completedResult(body, { modelId: 'a', content: 'theirs', usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, queuedMs: 0, llmMs: 1, attempts: 1 });
    setTimeout(() => void h.ledger.complete(key, theirs, 'live-owner').then(() => h.ledger.markPublished(key)), 200);
    const summary = await processBatch([r], h.deps, longInvocation);
    expect(summary).toMatchObject({ completed: 0, duplicates: 1 });
    expect(h.llm.calls).toHaveLength(0);
    expect(h.results()).toHaveLength(0);
  });

  it("renews a call's short claim while the call runs, so a copy waits instead of calling again", async () => {
    const h = await harness(testConfig([model('a', 2)], { scheduler: { claim_ttl_ms: 1_000 } }));
    h.llm.behaviour = async (m, r) => {
      await new Promise((resolve) => setTimeout(resolve, 1_800));
      return { content: `${m.id}:${r.id}`, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, latencyMs: 1_800 };
    };
    const r = record({ id: 'long-call', priority: 'high' });
    const first = processBatch([r], h.deps, longInvocation);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [one, two] = await Promise.all([first, processBatch([{ ...r, partition: 1 }], h.deps, longInvocation)]);
    expect(h.llm.calls).toHaveLength(1);
    expect([one.completed, two.duplicates]).toEqual([1, 1]);
    expect(h.results()).toHaveLength(1);
  });

  it('does not publish a stored answer a second time while its completer is still publishing it', async () => {
    const h = await harness(testConfig([model('a', 2)]));
    const r = record({ id: 'publishing' });
    const body = AgentRequestSchema.parse(JSON.parse(r.value.toString()));
    const key = { id: body.id, correlationId: body.correlation_id };
    const theirs = completedResult(body, { modelId: 'a', content: 'theirs', usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, queuedMs: 0, llmMs: 1, attempts: 1 });
    await h.ledger.claim(key, 'live-owner', 60_000);
    await h.ledger.complete(key, theirs, 'live-owner');
    // The completer publishes (elsewhere) and marks it 150 ms later; the redelivery waits for that.
    setTimeout(() => void h.ledger.markPublished(key), 150);
    const summary = await processBatch([r], h.deps, longInvocation);
    expect(summary).toMatchObject({ completed: 0, duplicates: 1 });
    expect(h.results()).toHaveLength(0);
    expect(h.llm.calls).toHaveLength(0);
  });

  it('calls a model once for a request delivered to two concurrent batches of the same container', async () => {
    const h = await harness(testConfig([model('a', 4)]));
    h.llm.behaviour = async (m, r) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { content: `${m.id}:${r.id}`, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, latencyMs: 50 };
    };
    const r = record({ id: 'twice' });
    // The same request on two partitions (an agent that sent it twice), both batches in flight at once.
    const [one, two] = await Promise.all([processBatch([r], h.deps, longInvocation), processBatch([{ ...r, partition: 1 }], h.deps, longInvocation)]);
    expect(h.llm.calls).toHaveLength(1);
    expect(h.results()).toHaveLength(1);
    expect(one.completed + two.completed).toBe(1);
    expect(one.duplicates + two.duplicates).toBe(1);
  });

  it('answers a request repeated within one batch once', async () => {
    const h = await harness(testConfig([model('a', 2)]));
    const r = record({});
    const summary = await processBatch([r, { ...r, offset: '999' }], h.deps, longInvocation);
    expect(summary.duplicates).toBe(1);
    expect(h.results()).toHaveLength(1);
  });

  it('gives undecodable records a failed result and a dead letter while the rest proceed', async () => {
    const h = await harness(testConfig([model('a', 2)]));
    const good = record({});
    const badEnum = record({ priority: 'urgent' as never, correlation_id: 'bad-1' }, { topic: 'high_priority' });
    const garbage = record('{not json', { headers: { correlation_id: 'bad-2' } });
    const summary = await processBatch([badEnum, good, garbage], h.deps, longInvocation);
    expect(summary).toMatchObject({ completed: 1, failed: 2, deadLettered: 2 });
    const failed = h.results().filter((r) => r.status === 'failed');
    expect(failed.map((r) => [r.correlation_id, r.error?.code, r.error?.field])).toEqual([
      ['bad-1', 'invalid_request', 'priority'],
      ['bad-2', 'invalid_request', '$'],
    ]);
    const letters = h.deadLetters();
    expect(letters).toHaveLength(2);
    expect(Buffer.from(letters[1]!['value_base64'] as string, 'base64').toString()).toBe('{not json');
  });

  it('answers an undecodable record after an outage interrupted its answer, once', async () => {
    const h = await harness(testConfig([model('a', 2)]));
    const garbage = record('{not json', { headers: { correlation_id: 'bad-outage' } });
    h.publisher.failNext(1);
    await expect(processBatch([garbage], h.deps, longInvocation)).rejects.toThrow(/Kafka/);
    expect(h.results()).toHaveLength(0);
    // The event source retries the batch; then redelivers it once more for good measure.
    const retried = await processBatch([garbage], h.deps, longInvocation);
    const again = await processBatch([garbage], h.deps, longInvocation);
    expect([retried.duplicates, again.duplicates]).toEqual([1, 1]);
    expect(h.results().map((r) => [r.correlation_id, r.error?.code])).toEqual([['bad-outage', 'invalid_request']]);
    expect(h.deadLetters()).toHaveLength(1);
  });

  it('retries a 5xx on another model and answers from it', async () => {
    const h = await harness(testConfig([model('flaky', 1, { cost_per_1k_tokens: 0 }), model('steady', 1, { cost_per_1k_tokens: 1 })], { load_balancing: { strategy: 'cost' } }));
    const base = h.llm.behaviour;
    h.llm.behaviour = (m, r) => (m.id === 'flaky' ? Promise.reject(serverError()) : base(m, r));
    await processBatch([record({ id: 'x' })], h.deps, longInvocation);
    expect(h.llm.calls.map((c) => c.model)).toEqual(['flaky', 'steady']);
    expect(h.results()[0]).toMatchObject({ status: 'completed', model_id: 'steady', attempts: 2 });
  });

  it('fails a request at once on a 4xx other than 429, with a dead letter', async () => {
    const h = await harness(testConfig([model('a', 1), model('b', 1)]));
    h.llm.behaviour = () => Promise.reject(new LlmCallError('rejected', 'HTTP 400: context too long', { status: 400 }));
    await processBatch([record({ id: 'bad' })], h.deps, longInvocation);
    expect(h.llm.calls).toHaveLength(1);
    expect(h.results()[0]).toMatchObject({ status: 'failed', error: { code: 'model_rejected', retryable: false } });
    expect(h.deadLetters()).toHaveLength(1);
  });

  it('fails with the last error and a dead letter after the configured attempts', async () => {
    const h = await harness(testConfig([model('a', 1), model('b', 1)], { scheduler: { max_attempts: 3, backoff_base_ms: 1, backoff_max_ms: 2, republish_margin_ms: 0 } }));
    h.llm.behaviour = () => Promise.reject(serverError());
    await processBatch([record({ id: 'doomed' })], h.deps, longInvocation);
    expect(h.llm.calls).toHaveLength(3);
    expect(h.results()[0]).toMatchObject({ status: 'failed', error: { code: 'model_error', retryable: true }, attempts: 3 });
    expect(h.deadLetters()).toHaveLength(1);
    expect((await h.store.getModel('a'))?.state.inFlight).toBe(0);
  });

  it('answers no_capable_model when no model supports the task', async () => {
    const h = await harness(testConfig([model('text', 1, { supported_tasks: ['text_generation'] })]));
    await processBatch([record({ task_type: 'image_analysis' })], h.deps, longInvocation);
    expect(h.results()[0]).toMatchObject({ status: 'failed', error: { code: 'no_capable_model' } });
  });

  it('routes to the requested model_id', async () => {
    const h = await harness(testConfig([model('a', 5), model('b', 5)]));
    await processBatch([record({ model_id: 'b' }), record({ model_id: 'b' })], h.deps, longInvocation);
    expect(h.llm.calls.map((c) => c.model)).toEqual(['b', 'b']);
  });

  it('re-publishes what is still waiting when the invocation runs out of time', async () => {
    const h = await harness(testConfig([model('a', 1)], { scheduler: { republish_margin_ms: 1_000 } }));
    h.llm.behaviour = async (m, r) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { content: `${m.id}:${r.id}`, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, latencyMs: 300 };
    };
    const deadline = Date.now() + 2_200;
    const records = [record({ id: 'first', priority: 'high' }), record({ id: 'second', priority: 'low' }), record({ id: 'third', priority: 'low' })];
    const summary = await processBatch(records, h.deps, { remainingMs: () => deadline - Date.now() });
    expect(summary.completed + summary.deferred).toBe(3);
    expect(summary.deferred).toBeGreaterThan(0);
    const again = h.publisher.published.filter((p) => p.topic === 'low_priority');
    expect(again).toHaveLength(summary.deferred);
    expect(again[0]!.headers).toMatchObject({ [HEADER_ATTEMPT]: '1', [HEADER_FIRST_SEEN]: String(records[1]!.timestamp) });
    expect(JSON.parse(again[0]!.value.toString())).toHaveProperty('deadline_ms');
  });

  it('fails a request re-published max_republish times with a dead letter instead of re-publishing it again', async () => {
    const h = await harness(testConfig([model('a', 1)], { scheduler: { max_republish: 2, republish_margin_ms: 0 } }));
    const r = record({ id: 'tired', priority: 'low' });
    const summary = await processBatch([{ ...r, headers: { ...r.headers, [HEADER_ATTEMPT]: '2' } }], h.deps, { remainingMs: () => 500 });
    expect(summary).toMatchObject({ failed: 1, deadLettered: 1, deferred: 0 });
    expect(h.results()[0]).toMatchObject({ id: 'tired', status: 'failed', error: { code: 'capacity_unavailable', retryable: true } });
    expect(h.publisher.published.filter((p) => p.topic === 'low_priority')).toHaveLength(0);
  });

  it('re-publishes an exhausted request that another invocation holds rather than dropping it', async () => {
    const h = await harness(testConfig([model('a', 1)], { scheduler: { max_republish: 2, republish_margin_ms: 0 } }));
    const r = record({ id: 'held', priority: 'low' });
    const body = AgentRequestSchema.parse(JSON.parse(r.value.toString()));
    await h.ledger.claim({ id: body.id, correlationId: body.correlation_id }, 'other-owner', 60_000);
    const summary = await processBatch([{ ...r, headers: { ...r.headers, [HEADER_ATTEMPT]: '2' } }], h.deps, { remainingMs: () => 500 });
    expect(summary).toMatchObject({ failed: 0, deferred: 1 });
    expect(h.results()).toHaveLength(0);
    const again = h.publisher.published.filter((p) => p.topic === 'low_priority');
    expect(again).toHaveLength(1);
    expect(again[0]!.headers).toMatchObject({ [HEADER_ATTEMPT]: '3' });
  });

  it('re-publishes a request whose call failed while the invocation was already re-publishing the others', async () => {
    const h = await harness(testConfig([model('a', 1)], { scheduler: { republish_margin_ms: 0 } }));
    h.llm.behaviour = async () => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      throw serverError();
    };
    // Re-publishing is slow (a loaded broker): the failure lands while it is under way.
    const slow = h.publisher;
    h.deps.publisher = {
      publish: async (messages) => {
        if (messages.some((m) => m.topic.endsWith('_priority'))) await new Promise((resolve) => setTimeout(resolve, 300));
        return slow.publish(messages);
      },
      close: () => slow.close(),
    };
    const end = Date.now() + 1_100;
    const records = [record({ id: 'running', priority: 'high' }), record({ id: 'waiting', priority: 'low' })];
    const summary = await processBatch(records, h.deps, { remainingMs: () => end - Date.now() });
    expect(h.llm.calls.map((c) => c.id)).toEqual(['running']);
    const again = h.publisher.published.filter((p) => p.topic.endsWith('_priority')).map((p) => (JSON.parse(p.value.toString()) as { id: string }).id);
    expect(again.sort()).toEqual(['running', 'waiting']);
    expect(summary).toMatchObject({ deferred: 2, completed: 0, failed: 0 });
    expect((await h.store.getModel('a'))?.state.inFlight).toBe(0);
  });

  it('throws when Kafka is down, after freeing every slot, so the batch is retried', async () => {
    const h = await harness(testConfig([model('a', 2)]));
    h.publisher.failNext(1);
    const batch = [record({}), record({}), record({})];
    await expect(processBatch(batch, h.deps, longInvocation)).rejects.toThrow(/Kafka/);
    expect((await h.store.getModel('a'))?.state.inFlight).toBe(0);
    // The retried batch answers what is still unanswered; every request is answered exactly once.
    await processBatch(batch, h.deps, longInvocation);
    const answered = h.results().map((r) => r.correlation_id).sort();
    expect(answered).toEqual(batch.map((r) => r.headers['correlation_id']).sort());
  });

  it('publishes to an allowed reply topic and refuses any other', async () => {
    const h = await harness(testConfig([model('a', 2)]));
    await processBatch([record({ reply_topic: 'agent.inbox-1' }), record({ reply_topic: 'high_priority' })], h.deps, longInvocation);
    const topics = h.publisher.published.map((p) => p.topic);
    expect(topics.filter((t) => t === 'agent.inbox-1')).toHaveLength(1);
    expect(topics.filter((t) => t === 'high_priority')).toHaveLength(0);
    expect(h.metrics.total('reply_topic_refused')).toBe(1);
  });

  it('sets the correlation_id header equal to the body field', async () => {
    const h = await harness(testConfig([model('a', 1)]));
    await processBatch([record({ correlation_id: 'abc-123' })], h.deps, longInvocation);
    const out = h.publisher.published.find((p) => p.topic === 'results')!;
    expect(out.headers?.['correlation_id']).toBe('abc-123');
    expect(JSON.parse(out.value.toString())).toMatchObject({ correlation_id: 'abc-123' });
  });
});
