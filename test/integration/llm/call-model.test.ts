import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelConfigSchema } from '../../../lib/config/schema.js';
import type { ModelConfig, ModelConfigInput } from '../../../lib/config/schema.js';
import { ApiKeyResolver, callModel, LlmCallError, LlmClientPool } from '../../../lib/llm/index.js';
import { startSimServer } from '../../../lib/sim/server.js';
import type { SimServer } from '../../../lib/sim/server.js';
import type { SimServerOptions } from '../../../lib/sim/types.js';
import type { AgentRequest } from '../../../lib/contracts/request.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sim(options: SimServerOptions): Promise<SimServer> {
  const server = await startSimServer(options);
  cleanups.push(() => server.close());
  return server;
}
function pool(options: ConstructorParameters<typeof LlmClientPool>[0] = {}): LlmClientPool {
  const p = new LlmClientPool(options);
  cleanups.push(() => p.close());
  return p;
}
const model = (endpoint: string, extra: Partial<ModelConfigInput> = {}): ModelConfig =>
  ModelConfigSchema.parse({ id: 'sim', endpoint, supported_tasks: ['text_generation'], capacity: 4, ...extra });
const request = (extra: Partial<AgentRequest> = {}): AgentRequest => ({
  id: 'r1',
  task_type: 'text_generation',
  priority: 'high',
  content: 'What is the capital of France?',
  token_count: 8,
  correlation_id: 'c1',
  ...extra,
});
const failure = (p: Promise<unknown>): Promise<LlmCallError> =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(LlmCallError);
      return e as LlmCallError;
    },
  );

/** A loopback endpoint answering every request with `handler`; its URL ends in /v1. */
async function bareEndpoint(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const bare = createServer(handler);
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => { bare.closeAllConnections(); bare.close(() => resolve()); }));
  return `http://127.0.0.1:${(bare.address() as AddressInfo).port}/v1`;
}

/** A handler that drains the request and answers `status` with `body` (JSON); `finish` false leaves the body open. */
const answering = (status: number, body: string, finish = true): Parameters<typeof createServer>[1] => (req, res) => {
  req.resume();
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  if (finish) res.end(body);
  else res.write(body);
};

describe('callModel against the simulated fleet', () => {
  it('returns the completion, the reported usage and the latency', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 4, latencyMs: 20, jitter: 0 }] });
    const result = await callModel(pool(), model(server.url), request(), { timeoutMs: 5_000 });
    expect(result.content).toMatch(/^\[sim\] answer to: What is the capital of France\?/);
    expect(result.usage).toEqual({ prompt_tokens: 8, completion_tokens: 64, total_tokens: 72 });
    expect(result.usageEstimated).toBe(false);
    expect(result.finishReason).toBe('stop');
    expect(result.latencyMs).toBeGreaterThan(0);
  });

  it('sends messages instead of content, the upstream model name and max_tokens', async () => {
    const server = await sim({ models: demo() });
    const result = await callModel(
      pool(),
      model(server.url, { id: 'alias', model: 'gpt-4-turbo' }),
      request({ content: '', messages: [{ role: 'system', content: 'short' }, { role: 'user', content: 'Name a colour' }], max_tokens: 9, temperature: 0.2 }),
      { timeoutMs: 5_000 },
    );
    expect(result.content).toMatch(/^\[gpt-4-turbo\] answer to: Name a colour/);
    expect(result.usage.completion_tokens).toBe(9);
    expect(server.stats().models['gpt-4-turbo']!.completed).toBe(1);
  });

  it('classifies an injected 5xx as a retryable server_error', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 4, latencyMs: 1, failRate: 1 }] });
    const err = await failure(callModel(pool(), model(server.url), request(), { timeoutMs: 5_000 }));
    expect(err).toMatchObject({ kind: 'server_error', status: 500, retryable: true, code: 'llm_server_error' });
    expect(err.message).toContain('simulated server error');
  });

  it('classifies an injected 429 as rate_limited with Retry-After in milliseconds', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 4, latencyMs: 1, rateLimitRate: 1, retryAfterS: 3 }] });
    const err = await failure(callModel(pool(), model(server.url), request(), { timeoutMs: 5_000 }));
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 3_000, retryable: true });
  });

  it('times out a stalled call, and the server sees the slot freed', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 4, latencyMs: 1, stallRate: 1, stallMs: 60_000 }] });
    const err = await failure(callModel(pool(), model(server.url), request(), { timeoutMs: 200 }));
    expect(err).toMatchObject({ kind: 'timeout', retryable: true });
    await expect.poll(() => server.stats().in_flight).toBe(0);
    expect(server.stats().aborted).toBe(1);
  });

  it("uses the model's timeout_ms when it is shorter than the caller's", async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 4, latencyMs: 1, stallRate: 1, stallMs: 60_000 }] });
    const err = await failure(callModel(pool(), model(server.url, { timeout_ms: 100 }), request(), { timeoutMs: 60_000 }));
    expect(err).toMatchObject({ kind: 'timeout', message: 'LLM call timed out after 100 ms' });
  });

  it('stops when the caller aborts, as a retryable timeout', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 4, latencyMs: 1, stallRate: 1, stallMs: 60_000 }] });
    const controller = new AbortController();
    const pending = callModel(pool(), model(server.url), request(), { timeoutMs: 60_000, signal: controller.signal });
    await expect.poll(() => server.stats().in_flight).toBe(1);
    controller.abort();
    expect(await failure(pending)).toMatchObject({ kind: 'timeout', retryable: true });
  });

  it('answers rejected, not retryable, for an unknown model (404)', async () => {
    const server = await sim({ models: demo() });
    const err = await failure(callModel(pool(), model(server.url, { id: 'gpt-9' }), request(), { timeoutMs: 5_000 }));
    expect(err).toMatchObject({ kind: 'rejected', status: 404, retryable: false });
  });

  it('classifies an unreachable endpoint as connection', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 1 }] });
    const url = server.url;
    await server.close();
    const err = await failure(callModel(pool(), model(url), request(), { timeoutMs: 5_000 }));
    expect(err).toMatchObject({ kind: 'connection', retryable: true });
  });

  it('never puts the API key in an error, even when the endpoint echoes it', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 1, latencyMs: 1 }], apiKey: 'the-right-key-000000' });
    for (const key of ['sk-live-wrong-0123456789abcdef', 'self-hosted-token-9876543210']) {
      const apiKeys = new ApiKeyResolver({ env: { SIM_KEY: key } });
      const err = await failure(callModel(pool({ apiKeys }), model(server.url, { api_key: { env: 'SIM_KEY' } }), request(), { timeoutMs: 5_000 }));
      expect(err).toMatchObject({ kind: 'rejected', status: 401 });
      expect(err.message).toContain('Incorrect API key provided');
      for (const text of [err.message, String(err.stack), JSON.stringify(err), String(err.cause)]) expect(text).not.toContain(key);
    }
  });

  it('estimates usage, and says so, when the endpoint reports none', async () => {
    const url = await bareEndpoint(answering(200, JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'four score' }, finish_reason: 'stop' }] })));
    const result = await callModel(pool(), model(url), request({ content: 'a'.repeat(40) }), { timeoutMs: 5_000 });
    expect(result).toMatchObject({ content: 'four score', usageEstimated: true, usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 } });
  });
});

describe('callModel on the wire (the one-shot path without the SDK fetch)', () => {
  it('posts JSON to <endpoint>/chat/completions with the bearer key', async () => {
    const seen: { url?: string; auth?: string; type?: string; body?: unknown } = {};
    const url = await bareEndpoint((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        Object.assign(seen, { url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body: JSON.parse(body) as unknown });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
      });
    });
    const apiKeys = new ApiKeyResolver({ env: { WIRE_KEY: 'wire-key-123456789' } });
    const result = await callModel(pool({ apiKeys }), model(`${url}/`, { api_key: { env: 'WIRE_KEY' }, model: 'upstream-name' }), request({ max_tokens: 7 }), { timeoutMs: 5_000 });
    expect(result.content).toBe('ok');
    expect(seen).toMatchObject({ url: '/v1/chat/completions', auth: 'Bearer wire-key-123456789', type: 'application/json', body: { model: 'upstream-name', max_tokens: 7 } });
  });

  it('keeps a plain-text error body as the message, and a JSON one by its error.message', async () => {
    const url = await bareEndpoint((req, res) => {
      req.resume();
      res.statusCode = 503;
      res.end('upstream overloaded, try later'); // plain text, no JSON content type
    });
    const err = await failure(callModel(pool(), model(url), request(), { timeoutMs: 5_000 }));
    expect(err).toMatchObject({ kind: 'server_error', status: 503, retryable: true });
    expect(err.message).toBe('LLM endpoint answered HTTP 503: upstream overloaded, try later');

    const json = await bareEndpoint(answering(400, JSON.stringify({ error: { message: 'max_tokens is too large', type: 'invalid_request_error' } })));
    const bad = await failure(callModel(pool(), model(json), request(), { timeoutMs: 5_000 }));
    expect(bad).toMatchObject({ kind: 'rejected', status: 400, retryable: false });
    expect(bad.message).toBe('LLM endpoint answered HTTP 400: max_tokens is too large');
  });

  it('answers server_error for a 2xx that is not JSON', async () => {
    const url = await bareEndpoint(answering(200, '{"choices": ['));
    expect(await failure(callModel(pool(), model(url), request(), { timeoutMs: 5_000 }))).toMatchObject({ kind: 'server_error', retryable: true });
  });

  it('times out a body that stops half-way', async () => {
    const url = await bareEndpoint(answering(200, '{"id": "x", ', false));
    expect(await failure(callModel(pool(), model(url), request(), { timeoutMs: 300 }))).toMatchObject({ kind: 'timeout', retryable: true });
  });
});

describe('LlmClientPool', () => {
  it('shares one client per endpoint and key reference, and a new one per other key', async () => {
    const server = await sim({ models: demo() });
    const apiKeys = new ApiKeyResolver({ env: { K1: 'key-one-aaaaaaaa' } });
    const p = pool({ apiKeys });
    const a = await p.clientFor(model(server.url, { id: 'gpt-3.5' }));
    const b = await p.clientFor(model(`${server.url}/`, { id: 'gpt-4-o' }));
    const c = await p.clientFor(model(server.url, { id: 'gpt-4-o', api_key: { env: 'K1' } }));
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(p.size).toBe(2);
  });

  it('re-uses keep-alive connections across sequential calls', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 4, latencyMs: 1 }] });
    const p = pool();
    for (let i = 0; i < 10; i++) await callModel(p, model(server.url), request(), { timeoutMs: 5_000 });
    expect(server.stats().completed).toBe(10);
    // undici frees a socket a tick after the body is read, so the 2nd call may open a 2nd socket.
    expect(server.stats().connections).toBeLessThanOrEqual(2);
  });

  it('sizes an endpoint pool to the capacity of its models, capped by maxConnections', async () => {
    const fleet = [model('http://h:8000/v1', { id: 'a', capacity: 3 }), model('http://h:8000/v1', { id: 'b', capacity: 4 })];
    expect(await pool({ models: fleet }).connectionsFor(fleet[0]!)).toBe(7);
    expect(await pool({ models: fleet, maxConnections: 5 }).connectionsFor(fleet[1]!)).toBe(5);
    expect(await pool().connectionsFor(fleet[0]!)).toBe(3);
  });

  it('never sends a model more than its capacity at once: extra calls wait for a pooled connection', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 2, latencyMs: 50 }] });
    const p = pool();
    const m = model(server.url, { capacity: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => callModel(p, m, request(), { timeoutMs: 5_000 })));
    expect(results).toHaveLength(6);
    expect(server.stats()).toMatchObject({ completed: 6, violations: 0, peak_concurrency: 2 });
  });

  it('fails with api_key_unavailable when the key reference cannot be resolved, and retries resolution later', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 1, latencyMs: 1 }] });
    const env: NodeJS.ProcessEnv = {};
    const p = pool({ apiKeys: new ApiKeyResolver({ env }) });
    const m = model(server.url, { api_key: { env: 'LATE_KEY' } });
    await expect(p.clientFor(m)).rejects.toMatchObject({ code: 'api_key_unavailable' });
    const err = await failure(callModel(p, m, request(), { timeoutMs: 5_000 }));
    expect(err).toMatchObject({ kind: 'rejected', retryable: false, cause: { code: 'api_key_unavailable' } });
    expect(err.message).toContain('LATE_KEY');
    env['LATE_KEY'] = 'now-there-123456';
    await expect(p.clientFor(m)).resolves.toBeDefined();
  });
});

function demo(): SimServerOptions['models'] {
  return [
    { id: 'gpt-3.5', capacity: 5, latencyMs: 1 },
    { id: 'gpt-4-turbo', capacity: 3, latencyMs: 1 },
    { id: 'gpt-4-o', capacity: 10, latencyMs: 1 },
  ];
}
