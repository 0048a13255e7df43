import { afterEach, describe, expect, it } from 'vitest';
import OpenAI, { RateLimitError } from 'openai';
import { startSimServer } from '../../../lib/sim/server.js';
import type { SimServer, SimServerOptions, SimStats } from '../../../lib/sim/index.js';
import { demoSimModels } from '../../../lib/sim/fleet.js';

const servers: SimServer[] = [];
async function sim(options: SimServerOptions): Promise<SimServer> {
  const server = await startSimServer(options);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const openai = (server: SimServer) => new OpenAI({ baseURL: server.url, apiKey: 'EMPTY', maxRetries: 0 });
const ask = (client: OpenAI, model: string, content = 'Hello there') =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content }] });
const statsOver = async (server: SimServer): Promise<SimStats> =>
  (await (await fetch(`${server.url.replace(/\/v1$/, '')}/stats`)).json()) as SimStats;
const post = (server: SimServer, path: string, body: unknown = {}) =>
  fetch(`${server.url.replace(/\/v1$/, '')}${path}`, { method: 'POST', body: JSON.stringify(body) });

describe('simulated OpenAI-compatible server', () => {
  it('answers a chat completion the openai SDK parses, with usage', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 2, latencyMs: 5 }] });
    const res = await openai(server).chat.completions.create({
      model: 'whatever-name',
      messages: [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hello there' }],
      max_tokens: 12,
    });
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('whatever-name');
    expect(res.choices[0]!.message.content).toMatch(/^\[sim\] answer to: Hello there/);
    // 12 tokens cut the sim's 64-token answer short.
    expect(res.choices[0]!.finish_reason).toBe('length');
    expect(res.usage).toEqual({ prompt_tokens: 5, completion_tokens: 12, total_tokens: 17 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('answers 429 and counts violations when 5 concurrent calls hit a capacity of 2', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 2, latencyMs: 300, jitter: 0, retryAfterS: 2 }] });
    const client = openai(server);
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => ask(client, 'sim')));
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason as unknown);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    expect(refused).toHaveLength(3);
    for (const err of refused) {
      expect(err).toBeInstanceOf(RateLimitError);
      expect((err as RateLimitError).headers.get('retry-after')).toBe('2');
    }
    const stats = await statsOver(server);
    expect(stats).toMatchObject({ requests: 5, completed: 2, violations: 3, peak_concurrency: 5, capacity: 2, in_flight: 0 });
    expect(stats.models['sim']).toMatchObject({ requests: 5, violations: 3, peak_concurrency: 5 });
  });

  it('reports totals and per-model stats over GET /stats, and zeroes them on POST /stats/reset', async () => {
    const server = await sim({ models: demoSimModels({ latencyMs: 5, perTokenMs: 0 }) });
    const client = openai(server);
    await ask(client, 'gpt-4-turbo');
    await ask(client, 'gpt-4-o');
    const stats = await statsOver(server);
    for (const field of ['requests', 'completed', 'peak_concurrency', 'capacity', 'violations', 'in_flight', 'failures_injected', 'rate_limited_injected']) {
      expect(typeof (stats as unknown as Record<string, unknown>)[field]).toBe('number');
    }
    expect(stats).toMatchObject({ requests: 2, completed: 2, capacity: 18, violations: 0, in_flight: 0 });
    expect(Object.keys(stats.models)).toEqual(['gpt-3.5', 'gpt-4-turbo', 'gpt-4-o']);
    expect(stats.models['gpt-4-turbo']).toMatchObject({ requests: 1, completed: 1, capacity: 3, peak_concurrency: 1 });
    expect(stats.models['gpt-3.5']).toMatchObject({ requests: 0, capacity: 5 });

    const reset = (await (await post(server, '/stats/reset')).json()) as SimStats;
    expect(reset).toMatchObject({ requests: 0, completed: 0, peak_concurrency: 0 });
    expect(server.stats().requests).toBe(0);
  });

  it('lists its models on GET /v1/models', async () => {
    const server = await sim({ models: demoSimModels() });
    const ids = [];
    for await (const m of openai(server).models.list()) ids.push(m.id);
    expect(ids).toEqual(['gpt-3.5', 'gpt-4-turbo', 'gpt-4-o']);
    expect(await (await fetch(server.url.replace(/\/v1$/, '/health'))).json()).toEqual({ ok: true });
  });

  it('answers 404 model_not_found for an unknown model when it serves several', async () => {
    const server = await sim({ models: demoSimModels({ latencyMs: 1 }) });
    const err = await ask(openai(server), 'gpt-5').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404, code: 'model_not_found' });
    expect(server.stats()).toMatchObject({ requests: 0, rejected: 1 });
  });

  it('changes fault injection at runtime through POST /faults: fails, then recovers', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 2, latencyMs: 1 }] });
    const client = openai(server);
    expect((await post(server, '/faults', { model: 'sim', failRate: 1 })).status).toBe(200);
    await expect(ask(client, 'sim')).rejects.toMatchObject({ status: 500 });
    expect((await post(server, '/faults', { failRate: 0, rateLimitRate: 1, retryAfterS: 7 })).status).toBe(200);
    const limited = await ask(client, 'sim').catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).headers.get('retry-after')).toBe('7');
    server.setFaults('*', { rateLimitRate: 0 });
    await expect(ask(client, 'sim')).resolves.toMatchObject({ object: 'chat.completion' });
    expect(server.stats()).toMatchObject({ requests: 3, completed: 1, failures_injected: 1, rate_limited_injected: 1, in_flight: 0 });
    expect((await post(server, '/faults', { model: 'nope', failRate: 1 })).status).toBe(404);
    expect((await post(server, '/faults', { failRate: 3 })).status).toBe(400);
  });

  it('frees the slot of a client that gives up on a stalled request', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 1, latencyMs: 1, stallRate: 1, stallMs: 60_000 }] });
    const controller = new AbortController();
    const pending = openai(server).chat.completions.create(
      { model: 'sim', messages: [{ role: 'user', content: 'x' }] },
      { signal: controller.signal },
    );
    await expect.poll(() => server.stats().in_flight).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(() => server.stats().in_flight).toBe(0);
    expect(server.stats()).toMatchObject({ stalls_injected: 1, aborted: 1, completed: 0, violations: 0 });
  });

  it('rejects a bearer token other than its api key with 401', async () => {
    const server = await sim({ models: [{ id: 'sim', capacity: 1, latencyMs: 1 }], apiKey: 'right-key-123456' });
    await expect(ask(openai(server), 'sim')).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    const ok = new OpenAI({ baseURL: server.url, apiKey: 'right-key-123456', maxRetries: 0 });
    await expect(ask(ok, 'sim')).resolves.toMatchObject({ object: 'chat.completion' });
  });

  it('replays the same faults with the same seeded random source', async () => {
    const seeded = (seed: number) => () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const run = async (): Promise<string[]> => {
      const server = await sim({ models: [{ id: 'sim', capacity: 4, latencyMs: 1, failRate: 0.5 }], random: seeded(42) });
      const client = openai(server);
      const out: string[] = [];
      for (let i = 0; i < 8; i++) out.push(await ask(client, 'sim').then(() => 'ok', () => 'fail'));
      return out;
    };
    const [a, b] = [await run(), await run()];
    expect(a).toEqual(b);
    expect(a).toContain('ok');
    expect(a).toContain('fail');
  });
});
