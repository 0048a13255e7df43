import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchedClient } from '../../../lib/client/client.js';
import { KafkaClientTransport } from '../../../lib/client/kafka-transport.js';
import type { StreamEvent } from '../../../lib/client/stream.js';
import type { ChatMessage } from '../../../lib/contracts/chat.js';
import { startGateway } from '../../../lib/gateway/server.js';
import type { Gateway } from '../../../lib/gateway/server.js';
import { deleteTopics } from '../../../lib/kafka/admin.js';
import type { LocalStack } from '../../../lib/local/stack.js';
import { AgentSide, e2eConfig, startE2eStack } from '../support/stack.js';

const weather: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('agents with tool calls and streaming, through Kafka + DynamoDB Local and the simulated fleet', () => {
  let stack: LocalStack;
  let cleanupStack: () => Promise<void>;
  let client: AgentSchedClient;
  let gateway: Gateway;
  let openai: OpenAI;
  let agent: AgentSide;

  beforeAll(async () => {
    ({ stack, cleanup: cleanupStack } = await startE2eStack(e2eConfig(), { simOptions: { latencyMs: 20, perTokenMs: 3, jitter: 0 } }));
    client = await AgentSchedClient.connect({ config: stack.config, transport: new KafkaClientTransport(stack.kafka!) });
    gateway = await startGateway({ client, config: stack.config, port: 0, defaultTimeoutMs: 30_000 });
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    agent = new AgentSide(stack.config);
    await agent.start();
  });
  afterAll(async () => {
    await agent?.stop();
    await gateway?.close();
    await client?.close();
    await cleanupStack?.();
    if (stack?.kafka && client) await deleteTopics(stack.kafka, [client.replyTopic]);
  });

  it('runs a two-turn tool loop through the gateway with the openai client', async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const first = await openai.chat.completions.create({ model: 'auto', messages, tools: [weather], tool_choice: 'auto' });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe('function');
    if (call.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'sim' });

    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temperature_c": 21}' });
    const second = await openai.chat.completions.create({ model: 'auto', messages, tools: [weather], max_completion_tokens: 200 });
    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect(second.choices[0]!.message.content).toMatch(/answer to: What is the weather in Paris\?/);
    expect(second.choices[0]!.message.tool_calls).toBeUndefined();
  });

  it('runs a two-turn tool loop through the Kafka contract with the TypeScript client', async () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'Weather in Oslo?' }];
    const first = await client.requestOrThrow({ messages, tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    expect(first).toMatchObject({ status: 'completed', content: '', finish_reason: 'tool_calls' });
    const call = first.tool_calls![0]!;
    messages.push({ role: 'assistant', content: null, tool_calls: first.tool_calls! }, { role: 'tool', tool_call_id: call.id, content: 'sunny' });
    const second = await client.requestOrThrow({ messages, tools: [weather], response_format: { type: 'json_object' } });
    expect(second.finish_reason).toBe('stop');
    expect(second.tool_calls).toBeUndefined();
    expect(JSON.parse(second.content)).toMatchObject({ answer: expect.stringMatching(/Weather in Oslo/) as unknown });
  });

  it('streams 50 tokens to the openai client in order, completely, with usage; the results topic gets one complete result', async () => {
    const stream = await openai.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'Stream me a story.' }],
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let contentChunks = 0;
    let finish: string | null = null;
    let usageTokens: number | undefined;
    let id = '';
    for await (const chunk of stream) {
      id = chunk.id;
      const piece = chunk.choices[0]?.delta.content;
      if (piece) {
        text += piece;
        contentChunks += 1;
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usageTokens = chunk.usage.completion_tokens;
    }
    expect(contentChunks).toBeGreaterThan(1);
    expect(finish).toBe('length');
    expect(usageTokens).toBe(50);
    const correlationId = id.replace(/^chatcmpl-/, '');
    await agent.waitFor([correlationId]);
    const results = agent.results.get(correlationId)!;
    expect(results).toHaveLength(1);
    // Every chunk arrived, in order: the streamed text is the complete result's text.
    expect(text).toBe(results[0]!.content);
    expect(text).toMatch(/^\[gpt-[^\]]+\] answer to: Stream me a story\./);
  });

  it('streams through the TypeScript client as an async iterator ending with the result', async () => {
    const events: StreamEvent[] = [];
    for await (const ev of client.stream({ content: 'Iterate, please.', max_tokens: 40 })) events.push(ev);
    const last = events.at(-1)!;
    expect(last.type).toBe('result');
    if (last.type !== 'result') throw new Error('expected the result last');
    const deltas = events.filter((e) => e.type === 'delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => (d.type === 'delta' ? (d.delta.content ?? '') : '')).join('')).toBe(last.result.content);
    expect(events.some((e) => e.type === 'restart')).toBe(false);
    expect(stack.sim!.stats().violations).toBe(0);
  });
});
