import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchedClient } from '../../../lib/client/client.js';
import { ClientClosedError, RequestAbortedError, RequestFailedError, RequestTimeoutError } from '../../../lib/client/errors.js';
import { KafkaClientTransport } from '../../../lib/client/kafka-transport.js';
import { listTopics } from '../../../lib/kafka/admin.js';
import { createTestBed, eventually } from './fixture.js';
import type { TestBed } from './fixture.js';
import { startResponder } from './responder.js';
import type { Responder } from './responder.js';

describe('AgentSchedClient on the real broker', () => {
  let bed: TestBed;
  let responder: Responder;
  let client: AgentSchedClient;

  beforeAll(async () => {
    bed = await createTestBed('client');
    responder = await startResponder(bed.kafka, bed.config);
    client = await AgentSchedClient.connect({
      config: bed.config,
      transport: new KafkaClientTransport(bed.kafka),
      clientId: bed.clientId,
    });
  });
  afterAll(async () => {
    await client?.close();
    await responder?.stop();
    // Deleted only once no producer that wrote to it is alive (see deleteReplyTopicOnClose).
    await bed?.cleanup([client.replyTopic]);
  });

  it('resolves 1,000 concurrent requests from one client, each with its own answer', async () => {
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        client.request({ content: `question ${i}`, priority: (['high', 'medium', 'low'] as const)[i % 3] }, { timeoutMs: 60_000 }),
      ),
    );
    const ms = performance.now() - started;
    process.stderr.write(`[client] 1,000 concurrent request-replies in ${ms.toFixed(0)} ms\n`);
    results.forEach((r, i) => {
      expect(r.status).toBe('completed');
      expect(r.content).toBe(`echo: question ${i}`);
      expect(r.priority).toBe((['high', 'medium', 'low'] as const)[i % 3]);
    });
    expect(new Set(results.map((r) => r.correlation_id)).size).toBe(1_000);
    expect(client.stats()).toMatchObject({ inFlight: 0, unknownReplies: 0, invalidReplies: 0 });
  });

  it('publishes to the priority topic with the correlation_id header, its reply topic and timeout_ms', async () => {
    const result = await client.request({ content: 'wire check', priority: 'high' }, { timeoutMs: 20_000 });
    const req = responder.seen.find((r) => r.correlation_id === result.correlation_id)!;
    expect(req).toMatchObject({ priority: 'high', reply_topic: client.replyTopic, timeout_ms: 20_000, task_type: 'text_generation' });
    const index = responder.seen.indexOf(req);
    expect(responder.records[index]).toEqual({ topic: bed.config.kafka.topics.high, headers: { correlation_id: result.correlation_id } });
  });

  it('resolves with a failed result by default, and rejects with RequestFailedError on requestOrThrow', async () => {
    const failed = await client.request({ content: 'fail:rate_limited' });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'rate_limited', retryable: true } });
    const err = await client.requestOrThrow({ content: 'fail:model_error' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestFailedError);
    expect(err).toMatchObject({ code: 'model_error', result: { status: 'failed' } });
  });

  it('rejects with RequestTimeoutError and drops the late reply, counting it', async () => {
    const before = client.stats();
    const err = await client.request({ content: 'slow:1500' }, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toMatchObject({ timeoutMs: 300 });
    await eventually(() => expect(client.stats().lateReplies).toBe(before.lateReplies + 1));
    expect(client.stats()).toMatchObject({ timedOut: before.timedOut + 1, inFlight: 0 });
  });

  it('rejects with RequestAbortedError when the signal fires, and never sends an already-aborted request', async () => {
    const controller = new AbortController();
    const pending = client.request({ content: 'silent' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toBeInstanceOf(RequestAbortedError);

    const sent = client.stats().sent;
    await expect(client.request({ content: 'never sent' }, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(RequestAbortedError);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(client.stats().sent).toBe(sent);
    expect(responder.seen.some((r) => r.content === 'never sent')).toBe(false);
  });

  it('counts duplicate, unknown and invalid replies without resolving anything with them', async () => {
    const result = await client.request({ content: 'original' });
    const before = client.stats();
    await responder.publishRaw(client.replyTopic, JSON.stringify(result), { correlation_id: result.correlation_id });
    await responder.publishRaw(client.replyTopic, JSON.stringify({ ...result, correlation_id: 'not-ours' }));
    await responder.publishRaw(client.replyTopic, '{"not": "a result"');
    await eventually(() =>
      expect(client.stats()).toMatchObject({
        duplicateReplies: before.duplicateReplies + 1,
        unknownReplies: before.unknownReplies + 1,
        invalidReplies: before.invalidReplies + 1,
      }),
    );
  });

  it('returns the correlation id from submit() and the scheduler side receives the request', async () => {
    const id = await client.submit({ content: 'fire and forget', priority: 'low', metadata: { job: 7 } });
    await eventually(() => expect(responder.seen.find((r) => r.correlation_id === id)).toBeDefined());
    const req = responder.seen.find((r) => r.correlation_id === id)!;
    expect(req).toMatchObject({ priority: 'low', content: 'fire and forget', metadata: { job: 7 } });
    expect(req.reply_topic).toBeUndefined();
  });
});

describe('AgentSchedClient.close()', () => {
  it('rejects pending requests with ClientClosedError, refuses new ones and deletes its reply topic', async () => {
    const bed = await createTestBed('client-close');
    try {
      const client = await AgentSchedClient.connect({
        config: bed.config,
        transport: new KafkaClientTransport(bed.kafka),
        clientId: bed.clientId,
        deleteReplyTopicOnClose: true,
      });
      expect(await listTopics(bed.kafka)).toContain(client.replyTopic);
      const pending = Array.from({ length: 20 }, (_, i) => client.request({ content: `silent ${i}` }).catch((e: unknown) => e));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await client.close();
      const errors = await Promise.all(pending);
      for (const e of errors) expect(e).toBeInstanceOf(ClientClosedError);
      expect(client.stats()).toMatchObject({ inFlight: 0, closedPending: 20 });
      await expect(client.request({ content: 'after close' })).rejects.toBeInstanceOf(ClientClosedError);
      await expect(client.submit({ content: 'after close' })).rejects.toBeInstanceOf(ClientClosedError);
      await eventually(async () => expect(await listTopics(bed.kafka)).not.toContain(client.replyTopic));
    } finally {
      await bed.cleanup();
    }
  });
});

describe('AgentSchedClient on a reply topic that already exists', () => {
  it('reads only the replies published after it started, not an earlier run\'s', async () => {
    const bed = await createTestBed('client-reuse');
    const responder = await startResponder(bed.kafka, bed.config);
    const replyTopic = `agent.${bed.clientId}.cli`;
    try {
      const first = await AgentSchedClient.connect({ config: bed.config, transport: new KafkaClientTransport(bed.kafka), replyTopic });
      await expect(first.request({ content: 'first run' })).resolves.toMatchObject({ content: 'echo: first run' });
      await first.close();

      const second = await AgentSchedClient.connect({ config: bed.config, transport: new KafkaClientTransport(bed.kafka), replyTopic });
      try {
        const results = await Promise.all([1, 2, 3].map((i) => second.request({ content: `second run ${i}` })));
        expect(results.map((r) => r.content)).toEqual(['echo: second run 1', 'echo: second run 2', 'echo: second run 3']);
        expect(second.stats()).toMatchObject({ unknownReplies: 0, lateReplies: 0, completed: 3 });
      } finally {
        await second.close();
      }
      expect(await listTopics(bed.kafka)).toContain(replyTopic);
    } finally {
      await responder.stop();
      await bed.cleanup([replyTopic]);
    }
  });
});
