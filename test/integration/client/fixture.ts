import type { Kafka } from 'kafkajs';
import { parseConfig } from '../../../lib/config/load.js';
import type { Config } from '../../../lib/config/schema.js';
import { createKafka } from '../../../lib/kafka/client.js';
import { deleteTopics, ensureTopics } from '../../../lib/kafka/admin.js';
import { serviceEnv, uniqueName } from '../support/services.js';

export interface TestBed {
  kafka: Kafka;
  config: Config;
  /** Unique per test bed: names the client (and so its reply topic `agent.<clientId>.<8 hex>`). */
  clientId: string;
  /** Deletes the test bed's topics and `extra` ones (reply topics). */
  cleanup(extra?: string[]): Promise<void>;
}

/** Fresh priority / results / dead-letter topics on the real broker, and a config naming them. */
export async function createTestBed(prefix: string): Promise<TestBed> {
  const env = serviceEnv();
  const base = uniqueName(prefix);
  const topics = {
    high: `${base}.high`,
    medium: `${base}.medium`,
    low: `${base}.low`,
    results: `${base}.results`,
    dead_letter: `${base}.dlq`,
  };
  const config = parseConfig(
    {
      kafka: { client_id: base, topics },
      models: [
        { id: 'test-model', endpoint: 'http://127.0.0.1:9/v1', supported_tasks: ['text_generation'], capacity: 2 },
        { id: 'pinned-model', endpoint: 'http://127.0.0.1:9/v1', supported_tasks: ['text_generation', 'image_analysis'], capacity: 2 },
      ],
    },
    'test',
    { KAFKA_BROKERS: env.kafkaBrokers.join(',') },
  );
  const kafka = createKafka(env.kafkaBrokers, base);
  await ensureTopics(kafka, Object.values(topics).map((name) => ({ name, partitions: name.endsWith('.medium') ? 3 : 1 })));
  return {
    kafka,
    config,
    clientId: base,
    cleanup: (extra = []) => deleteTopics(kafka, [...Object.values(topics), ...extra]),
  };
}

/** Polls `check` until it holds or `timeoutMs` passes (then the last assertion error is thrown). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err: unknown) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
