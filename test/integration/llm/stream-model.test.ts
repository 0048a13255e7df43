import { afterEach, describe, expect, it } from 'vitest';
import { ModelConfigSchema } from '../../../lib/config/schema.js';
import type { ModelConfig } from '../../../lib/config/schema.js';
import type { AgentRequest } from '../../../lib/contracts/request.js';
import type { StreamDelta } from '../../../lib/contracts/stream.js';
import { callModel, LlmCallError, LlmClientPool, streamModel } from '../../../lib/llm/index.js';
import { startSimServer } from '../../../lib/sim/server.js';
import type { SimServer } from '../../../lib/sim/server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(perTokenMs = 1, stallRate = 0): Promise<{ server: SimServer; pool: LlmClientPool; model: ModelConfig }> {
  const server = await startSimServer({ models: [{ id: 'sim', capacity: 4, latencyMs: 5, perTokenMs, jitter: 0, stallRate, stallMs: 5_000 }] });
  const pool = new LlmClientPool();
  cleanups.push(() => server.close(), () => pool.close());
  return { server, pool, model: ModelConfigSchema.parse({ id: 'sim', endpoint: server.url, supported_tasks: ['text_generation'], capacity: 4 }) };
}

const request = (extra: Partial<AgentRequest> = {}): AgentRequest => ({
  id: 'r1', task_type: 'text_generation', priority: 'high', content: 'What is the capital of France?', token_count: 8, correlation_id: 'c1', ...extra,
});
const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];

describe('streamModel against the simulated fleet', () => {
  it('hands on every piece in order and resolves with the same answer a one-shot call gives', async () => {
    const { pool, model } = await setup();
    const deltas: StreamDelta[] = [];
    const streamed = await streamModel(pool, model, request({ max_tokens: 30 }), { timeoutMs: 5_000, onDelta: (d) => deltas.push(d) });
    const once = await callModel(pool, model, request({ max_tokens: 30 }), { timeoutMs: 5_000 });
    expect(deltas.length).toBeGreaterThan(20);
    expect(deltas.map((d) => d.content ?? '').join('')).toBe(streamed.content);
    expect(streamed.content).toBe(once.content);
    expect(streamed).toMatchObject({ finishReason: 'length', usageEstimated: false, usage: once.usage });
  });

  it('streams a tool call and accumulates it like the one-shot call returns it', async () => {
    const { pool, model } = await setup();
    const deltas: StreamDelta[] = [];
    const streamed = await streamModel(pool, model, request({ tools }), { timeoutMs: 5_000, onDelta: (d) => deltas.push(d) });
    const once = await callModel(pool, model, request({ tools }), { timeoutMs: 5_000 });
    expect(streamed.finishReason).toBe('tool_calls');
    expect(streamed.toolCalls?.[0]?.function).toEqual({ name: 'lookup', arguments: '{"q":"sim"}' });
    expect(once.toolCalls?.[0]?.function).toEqual(streamed.toolCalls?.[0]?.function);
    expect(deltas.flatMap((d) => d.tool_calls ?? []).map((c) => c.function?.arguments ?? '').join('')).toBe('{"q":"sim"}');
  });

  it('cuts a stream that stalls with a timeout error', async () => {
    const { pool, model } = await setup(1, 1);
    const err = await streamModel(pool, model, request(), { timeoutMs: 200, onDelta: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmCallError);
    expect((err as LlmCallError).kind).toBe('timeout');
  });
});
