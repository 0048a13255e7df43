import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchedClient } from '../../../lib/client/client.js';
import { KafkaClientTransport } from '../../../lib/client/kafka-transport.js';
import { startGateway } from '../../../lib/gateway/server.js';
import type { Gateway, GatewayLogEntry } from '../../../lib/gateway/server.js';
import { createTestBed } from '../client/fixture.js';
import type { TestBed } from '../client/fixture.js';
import { startResponder } from '../client/responder.js';
import type { Responder } from '../client/responder.js';

describe('gateway with the openai SDK as the caller, over the real broker', () => {
  let bed: TestBed;
  let responder: Responder;
  let client: AgentSchedClient;
  let gateway: Gateway;
  let openai: OpenAI;
  const log: GatewayLogEntry[] = [];

  beforeAll(async () => {
    bed = await createTestBed('gateway');
    responder = await startResponder(bed.kafka, bed.config);
    client = await AgentSchedClient.connect({ config: bed.config, transport: new KafkaClientTransport(bed.kafka), clientId: bed.clientId });
    gateway = await startGateway({ client, config: bed.config, port: 0, defaultTimeoutMs: 20_000, log: (e) => log.push(e) });
    // maxRetries 0: each test sees the first answer (the SDK would retry 429/5xx otherwise).
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway?.close();
    await client?.close();
    await responder?.stop();
    await bed?.cleanup([client.replyTopic]);
  });

  it('answers a chat completion with content, model and usage', async () => {
    const { data: completion, response } = await openai.chat.completions
      .create({ model: 'auto', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello there' }] })
      .withResponse();
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'echo: hello there' });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.model).toBe('test-model');
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });
    expect(response.headers.get('x-agentsched-model')).toBe('test-model');
    const correlationId = completion.id.replace(/^chatcmpl-/, '');
    const req = responder.seen.find((r) => r.correlation_id === correlationId)!;
    expect(req).toMatchObject({ priority: 'medium', task_type: 'text_generation', reply_topic: client.replyTopic });
    expect(req.model_id ?? null).toBeNull();
    expect(req.messages).toEqual([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello there' }]);
  });

  it('pins a configured model, and takes priority, task type and session from headers', async () => {
    const completion = await openai.chat.completions.create(
      { model: 'pinned-model', messages: [{ role: 'user', content: 'pinned' }], max_tokens: 50, temperature: 0.2 },
      { headers: { 'x-agentsched-priority': 'high', 'x-agentsched-task-type': 'data_processing', 'x-agentsched-session-id': 'sess-1' } },
    );
    expect(completion.model).toBe('pinned-model');
    const req = responder.seen.find((r) => r.correlation_id === completion.id.replace(/^chatcmpl-/, ''))!;
    expect(req).toMatchObject({
      model_id: 'pinned-model',
      priority: 'high',
      task_type: 'data_processing',
      session_id: 'sess-1',
      max_tokens: 50,
      temperature: 0.2,
    });
  });

  it('takes priority from the body when no header names one', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'low please' }],
      // @ts-expect-error -- an AgentSched extension to the OpenAI body
      priority: 'low',
    });
    const req = responder.seen.find((r) => r.correlation_id === completion.id.replace(/^chatcmpl-/, ''))!;
    expect(req.priority).toBe('low');
    expect(req.model_id ?? null).toBeNull();
  });

  it('surfaces a rate_limited result as the SDK RateLimitError (429)', async () => {
    const err = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'fail:rate_limited' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'rate_limit_error' });
  });

  it('surfaces an invalid_request result as the SDK BadRequestError (400) naming the field', async () => {
    const err = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'fail:invalid_request' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, code: 'invalid_request', param: 'content' });
  });

  it('maps no_capable_model to NotFoundError (404, model_not_found) and model_error to a 502', async () => {
    const notFound = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'fail:no_capable_model' }] }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect(notFound).toMatchObject({ status: 404, code: 'model_not_found' });
    const upstream = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'fail:model_error' }] }).catch((e: unknown) => e);
    expect(upstream).toBeInstanceOf(OpenAI.InternalServerError);
    expect(upstream).toMatchObject({ status: 502, code: 'model_error' });
  });

  it('answers 504 when no reply comes within x-agentsched-timeout-ms', async () => {
    const err = await openai.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'silent' }] }, { headers: { 'x-agentsched-timeout-ms': '300' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err).toMatchObject({ status: 504, code: 'timeout' });
  });

  it('refuses a bad body or header with 400 before anything reaches Kafka', async () => {
    const before = responder.records.length;
    const noMessages = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'auto' }) });
    expect(noMessages.status).toBe(400);
    expect(await noMessages.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'messages' } });
    const badJson = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', body: '{"model":' });
    expect(badJson.status).toBe(400);
    const badRole = await openai.chat.completions
      // @ts-expect-error -- an invalid role on purpose
      .create({ model: 'auto', messages: [{ role: 'wizard', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(badRole).toBeInstanceOf(OpenAI.BadRequestError);
    expect(badRole).toMatchObject({ param: 'messages.0.role' });
    const badPriority = await openai.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-agentsched-priority': 'urgent' } })
      .catch((e: unknown) => e);
    expect(badPriority).toMatchObject({ status: 400, param: 'x-agentsched-priority' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(responder.records.length).toBe(before);
  });

  it('drops a redelivered second copy of an answer (agentsched-redelivery: 1) and answers the next call with its own', async () => {
    const first = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'answered once' }] });
    const correlationId = first.id.replace(/^chatcmpl-/, '');
    const original = await client.request({ content: 'a stored answer' });
    const before = client.stats().duplicateReplies;
    // The sweep re-publishes a stored answer whose published mark is missing: same bytes, flagged.
    await responder.publishRaw(client.replyTopic, JSON.stringify(original), { correlation_id: original.correlation_id, 'agentsched-redelivery': '1' });
    for (let i = 0; i < 100 && client.stats().duplicateReplies === before; i++) await new Promise((r) => setTimeout(r, 100));
    expect(client.stats().duplicateReplies).toBe(before + 1);
    const next = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'after the copy' }] });
    expect(next.choices[0]!.message.content).toBe('echo: after the copy');
    expect(next.id).not.toBe(first.id);
    expect(correlationId).not.toBe(original.correlation_id);
  });

  it('lists the configured models on GET /v1/models', async () => {
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids).toEqual(['test-model', 'pinned-model', 'auto']);
    expect(await openai.models.retrieve('pinned-model')).toMatchObject({ id: 'pinned-model', owned_by: 'agentsched' });
    await expect(openai.models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('streams the completion as chunks through the SDK stream API, with usage when asked', async () => {
    const stream = await openai.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finishReasons: (string | null)[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        finishReasons.push(choice.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('echo: stream me');
    expect(finishReasons.at(-1)).toBe('stop');
    expect(usage).toMatchObject({ total_tokens: expect.any(Number) as number });
  });

  it('surfaces a failed result of a streaming call as an SDK error, not a broken stream', async () => {
    const err = await openai.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'fail:rate_limited' }], stream: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('serves 200 concurrent SDK calls', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `c${i}` }] })),
    );
    answers.forEach((a, i) => expect(a.choices[0]!.message.content).toBe(`echo: c${i}`));
  });

  it('with --api-key-env keys, serves the SDK with the right key and answers AuthenticationError (401) otherwise', async () => {
    const guarded = await startGateway({ client, config: bed.config, port: 0, defaultTimeoutMs: 20_000, apiKeys: ['sk-gateway-test'] });
    try {
      const good = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: 'sk-gateway-test', maxRetries: 0 });
      const answer = await good.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'with key' }] });
      expect(answer.choices[0]!.message.content).toBe('echo: with key');
      const bad = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
      const before = responder.seen.length;
      const err = await bad.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'no key' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
      // Refused at the door: nothing reached Kafka.
      expect(responder.seen.length).toBe(before);
    } finally {
      await guarded.close();
    }
  });

  it('writes an access log line per request, without the prompt', () => {
    expect(log.some((e) => e.path === '/v1/chat/completions' && e.status === 200 && e.correlationId && e.priority)).toBe(true);
    expect(log.some((e) => e.status === 429 && e.error === 'rate_limit_exceeded')).toBe(true);
    expect(JSON.stringify(log)).not.toContain('hello there');
  });
});
