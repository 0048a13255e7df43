import { Partitioners } from 'kafkajs';
import type { Kafka, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { parseConfig } from '../../../lib/config/load.js';
import type { Config } from '../../../lib/config/schema.js';
import type { AgentResult } from '../../../lib/contracts/result.js';
import { deleteTopics } from '../../../lib/kafka/admin.js';
import { createKafka } from '../../../lib/kafka/client.js';
import { startLocalStack } from '../../../lib/local/stack.js';
import type { LocalStack, LocalStackOptions } from '../../../lib/local/stack.js';
import { serviceEnv, uniqueName } from './services.js';

/**
 * A configuration whose topics, tables and groups no other test uses, on the real services. `extra`
 * replaces top-level keys, except `capacity`, whose keys are merged (its table names stay unique).
 */
export function e2eConfig(extra: Record<string, unknown> = {}): Config {
  const { kafkaBrokers, dynamodbEndpoint } = serviceEnv();
  const id = uniqueName('e2e');
  const { capacity, ...rest } = extra;
  return parseConfig(
    {
      kafka: {
        bootstrap_servers: kafkaBrokers,
        client_id: id,
        topics: { high: `${id}.high`, medium: `${id}.medium`, low: `${id}.low`, results: `${id}.results`, dead_letter: `${id}.dlq` },
        batch_size: 100,
        batch_window_ms: 50,
      },
      models: [{ id: 'placeholder', endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation'], capacity: 1 }],
      capacity: { lease_ttl_ms: 10_000, ...(capacity as Record<string, unknown> | undefined), table: `${id}-capacity`, requests_table: `${id}-requests`, queue_table: `${id}-queue` },
      dynamodb: { endpoint: dynamodbEndpoint },
      ...rest,
    },
    'e2e-test',
  );
}

const PROMPTS = [
  'Summarize the main points of climate change.',
  'Explain the concept of artificial intelligence.',
  'Describe the process of photosynthesis.',
  'What are the key features of a democratic government?',
  'How does the internet work?',
];

/** A request exactly as the original Python demo's `Message(...).model_dump()` produced it. */
export function originalRequest(priority: 'high' | 'medium' | 'low', taskType = 'text_generation'): Record<string, unknown> {
  return {
    id: `task_${1000 + Math.floor(Math.random() * 9000)}`,
    task_type: taskType,
    priority,
    content: PROMPTS[Math.floor(Math.random() * PROMPTS.length)],
    token_count: 10 + Math.floor(Math.random() * 190),
    correlation_id: randomUUID(),
    model_id: null,
    status: null,
  };
}

/** Agents' side of the test: produce like the Python agents, read `results`. */
export class AgentSide {
  readonly kafka: Kafka;
  private readonly producer: Producer;
  readonly results = new Map<string, AgentResult[]>();
  private consumer: ReturnType<Kafka['consumer']> | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly config: Config) {
    this.kafka = createKafka(config.kafka.bootstrap_servers, `${config.kafka.client_id}-agent`);
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    const consumer = this.kafka.consumer({ groupId: `${this.config.kafka.client_id}-results`, maxWaitTimeInMs: 100 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.config.kafka.topics.results], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const result = JSON.parse(message.value?.toString() ?? '{}') as AgentResult;
        const header = message.headers?.['correlation_id']?.toString();
        if (header !== result.correlation_id) throw new Error(`header ${header} != body ${result.correlation_id}`);
        const list = this.results.get(result.correlation_id) ?? [];
        list.push(result);
        this.results.set(result.correlation_id, list);
        for (const w of this.waiters) w();
        return Promise.resolve();
      },
    });
  }

  async send(requests: Record<string, unknown>[]): Promise<void> {
    const byTopic = new Map<string, { value: string; headers: Record<string, string> }[]>();
    for (const r of requests) {
      const topic = this.config.kafka.topics[r['priority'] as 'high' | 'medium' | 'low'];
      const list = byTopic.get(topic) ?? [];
      list.push({ value: JSON.stringify(r), headers: { correlation_id: String(r['correlation_id']) } });
      byTopic.set(topic, list);
    }
    await this.producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
  }

  async sendRaw(topic: string, value: string | Buffer, headers: Record<string, string> = {}): Promise<void> {
    await this.producer.send({ topic, messages: [{ value, headers }], acks: -1 });
  }

  /** Waits until every correlation id has at least one result, or fails naming how many are missing. */
  async waitFor(correlationIds: string[], timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (correlationIds.some((c) => !this.results.has(c))) {
      if (Date.now() > deadline) {
        const missing = correlationIds.filter((c) => !this.results.has(c));
        throw new Error(`${missing.length} of ${correlationIds.length} requests got no result within ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const w = (): void => {
          this.waiters.delete(w);
          resolve();
        };
        this.waiters.add(w);
        setTimeout(w, 200);
      });
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer.disconnect();
  }
}

/** Starts the real stack on Kafka + DynamoDB Local with a simulated fleet, and cleans it up. */
export async function startE2eStack(config: Config, opts: Partial<LocalStackOptions> = {}): Promise<{ stack: LocalStack; cleanup: () => Promise<void> }> {
  const stack = await startLocalStack({
    config,
    transport: 'kafka',
    simulate: 'demo',
    startingPosition: 'TRIM_HORIZON',
    groupPrefix: config.kafka.client_id,
    reapEveryMs: 1_000,
    ...opts,
  });
  const cleanup = async (): Promise<void> => {
    await stack.stop();
    const t = config.kafka.topics;
    const admin = createKafka(config.kafka.bootstrap_servers, `${config.kafka.client_id}-cleanup`);
    await deleteTopics(admin, [t.high, t.medium, t.low, t.results, t.dead_letter]).catch(() => undefined);
  };
  return { stack, cleanup };
}

export { uniqueName };
