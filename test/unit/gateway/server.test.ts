import { afterEach, describe, expect, it } from 'vitest';
import type { ClientRequestInput } from '../../../lib/client/build.js';
import type { RequestOptions } from '../../../lib/client/client.js';
import { RequestAbortedError } from '../../../lib/client/errors.js';
import type { AgentResult } from '../../../lib/contracts/result.js';
import { startGateway } from '../../../lib/gateway/server.js';
import type { Gateway, GatewayClient, GatewayLogEntry } from '../../../lib/gateway/server.js';

const config = { models: [{ id: 'm1' }] } as Parameters<typeof startGateway>[0]['config'];

/** A client that never answers until its signal fires. */
class HangingClient implements GatewayClient {
  calls: { input: ClientRequestInput; opts: RequestOptions | undefined }[] = [];

  request(input: ClientRequestInput, opts?: RequestOptions): Promise<AgentResult> {
    this.calls.push({ input, opts });
    return new Promise((_, reject) => opts?.signal?.addEventListener('abort', () => reject(new RequestAbortedError('c'))));
  }
}

describe('gateway HTTP handling (fake client)', () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  it('answers unknown URLs 404 and wrong methods 405, OpenAI-style', async () => {
    gateway = await startGateway({ client: new HangingClient(), config, port: 0 });
    const unknown = await fetch(`${gateway.url}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'unknown_url' } });
    expect((await fetch(`${gateway.url}/v1/chat/completions`)).status).toBe(405);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it('asks for a bearer key on /v1/* when given keys, and leaves /healthz open', async () => {
    gateway = await startGateway({ client: new HangingClient(), config, port: 0, apiKeys: ['sk-gw'] });
    const none = await fetch(`${gateway.url}/v1/models`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'missing_api_key' } });
    const wrong = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    expect((await fetch(`${gateway.url}/v1/models`, { headers: { authorization: 'Bearer sk-gw' } })).status).toBe(200);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it('refuses a body over the record limit with 413', async () => {
    gateway = await startGateway({ client: new HangingClient(), config, port: 0 });
    const res = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', body: 'x'.repeat(1_100_000) });
    expect(res.status).toBe(413);
  });

  it('passes the default timeout and a signal to the client', async () => {
    const client = new HangingClient();
    gateway = await startGateway({ client, config, port: 0, defaultTimeoutMs: 1_234 });
    const controller = new AbortController();
    const pending = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'x' }] }),
      signal: controller.signal,
    }).catch(() => undefined);
    while (client.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(client.calls[0]!.opts?.timeoutMs).toBe(1_234);
    expect(client.calls[0]!.input.model_id).toBe('m1');
    // The caller hangs up: the request is aborted, not left waiting.
    controller.abort();
    await pending;
    const signal = client.calls[0]!.opts!.signal!;
    while (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(signal.aborted).toBe(true);
  });

  it('answers in-flight calls 503 when closed, and logs them', async () => {
    const client = new HangingClient();
    const log: GatewayLogEntry[] = [];
    gateway = await startGateway({ client, config, port: 0, log: (e) => log.push(e) });
    const pending = fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }) });
    while (client.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const closing = gateway.close();
    const res = await pending;
    expect(res.status).toBe(503);
    expect(res.headers.get('x-should-retry')).toBe('true');
    await closing;
    gateway = undefined;
    expect(log).toEqual([expect.objectContaining({ path: '/v1/chat/completions', status: 503, error: 'service_unavailable', priority: 'medium' })]);
  });
});
