import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchedClient } from '../../../lib/client/client.js';
import { KafkaClientTransport } from '../../../lib/client/kafka-transport.js';
import { deleteTopics } from '../../../lib/kafka/admin.js';
import { startGateway } from '../../../lib/gateway/server.js';
import type { Gateway } from '../../../lib/gateway/server.js';
import type { LocalStack } from '../../../lib/local/stack.js';
import { e2eConfig, startE2eStack } from '../support/stack.js';

const FLEET = ['gpt-3.5', 'gpt-4-turbo', 'gpt-4-o'];

describe('openai SDK → gateway → Kafka → scheduler → simulated fleet → reply topic (the real stack)', () => {
  let stack: LocalStack;
  let cleanupStack: () => Promise<void>;
  let client: AgentSchedClient;
  let gateway: Gateway;
  let openai: OpenAI;

  beforeAll(async () => {
    ({ stack, cleanup: cleanupStack } = await startE2eStack(e2eConfig()));
    client = await AgentSchedClient.connect({ config: stack.config, transport: new KafkaClientTransport(stack.kafka!) });
    gateway = await startGateway({ client, config: stack.config, port: 0, defaultTimeoutMs: 30_000 });
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway?.close();
    await client?.close();
    await cleanupStack?.();
    // After the scheduler's producer is gone: it cannot re-create the topic any more.
    if (stack?.kafka && client) await deleteTopics(stack.kafka, [client.replyTopic]);
  });

  it('answers a routed chat completion from a model of the fleet', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'Explain the concept of artificial intelligence.' }] })
      .withResponse();
    expect(data.choices[0]!.message.content?.length).toBeGreaterThan(0);
    expect(FLEET).toContain(data.model);
    expect(response.headers.get('x-agentsched-model')).toBe(data.model);
    expect(data.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('answers on the model named in the body when it is configured', async () => {
    const completion = await openai.chat.completions.create({ model: 'gpt-4-turbo', messages: [{ role: 'user', content: 'pinned' }] }, { headers: { 'x-agentsched-priority': 'high' } });
    expect(completion.model).toBe('gpt-4-turbo');
  });

  it('maps the scheduler refusing a task no model supports to a 404 model_not_found', async () => {
    // gpt-4-o does not do image analysis, and it is pinned: no capable model.
    const err = await openai.chat.completions
      .create({ model: 'gpt-4-o', messages: [{ role: 'user', content: 'describe' }] }, { headers: { 'x-agentsched-task-type': 'image_analysis' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('serves 60 concurrent SDK calls across priorities with zero capacity violations', async () => {
    const priorities = ['high', 'medium', 'low'] as const;
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        openai.chat.completions.create(
          { model: 'auto', messages: [{ role: 'user', content: `question ${i}` }] },
          { headers: { 'x-agentsched-priority': priorities[i % 3]! } },
        ),
      ),
    );
    expect(answers.every((a) => (a.choices[0]!.message.content ?? '').length > 0)).toBe(true);
    expect(stack.sim!.stats().violations).toBe(0);
    expect(client.stats()).toMatchObject({ inFlight: 0, unknownReplies: 0, invalidReplies: 0 });
  });
});
