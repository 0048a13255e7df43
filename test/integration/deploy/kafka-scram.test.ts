import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/load.js';
import { InfrastructureError } from '../../../lib/errors/index.js';
import { withAdmin } from '../../../lib/kafka/admin.js';
import { createKafka } from '../../../lib/kafka/client.js';
import { KafkajsPublisher } from '../../../lib/kafka/kafkajs-publisher.js';
import { createFunctionRuntime, functionKafkaOptions } from '../../../lib/lambda/runtime.js';
import { consumeUntil } from '../../../lib/local/consumer.js';
import { createObservability } from '../../../lib/observability/index.js';
import { adminLag } from '../../../lib/scaling/lag.js';
import { startScramBroker } from './extra-broker.js';
import type { ExtraBroker } from './extra-broker.js';

const PASSWORD = randomUUID();
let broker: ExtraBroker & { brokers: string[] };
beforeAll(async () => {
  broker = await startScramBroker({ agentsched: PASSWORD });
}, 150_000);
afterAll(async () => {
  await broker?.stop();
});

/** The function runtime of a stage whose `kafka.security` is SCRAM-SHA-512 (SASL_PLAINTEXT here). */
function runtime(password: string) {
  const config = parseConfig(
    {
      kafka: { bootstrap_servers: broker.brokers, security: { auth: 'sasl_scram_512', credentials: { env: 'IT_KAFKA_SCRAM' }, tls: false } },
      models: [{ id: 'm1', endpoint: 'https://models.example.com/v1', supported_tasks: ['text_generation'], capacity: 1 }],
    },
    'it.yaml',
  );
  return createFunctionRuntime(config, createObservability('it-scram'), { IT_KAFKA_SCRAM: JSON.stringify({ username: 'agentsched', password }) });
}

describe('Kafka SASL/SCRAM-512 against a real broker that requires it', () => {
  it('the functions\' producer and lag admin authenticate with the secret from kafka.security', async () => {
    const rt = runtime(PASSWORD);
    const kafka = createKafka(broker.brokers, 'it-scram', await functionKafkaOptions(rt));
    const topic = `it-scram-${randomUUID().slice(0, 8)}`;
    const publisher = new KafkajsPublisher(kafka, { retry: { retries: 3, initialRetryTime: 200 } });
    try {
      await publisher.publish([{ topic, key: 'k', value: 'answer' }]);
      const records = await consumeUntil(kafka, topic, { count: 1, timeoutMs: 30_000 });
      expect(records.map((r) => r.value?.toString('utf8'))).toEqual(['answer']);
      // The autoscaler's lag read goes through the same settings.
      const lag = await withAdmin(kafka, (admin) => adminLag(admin, 'agentsched-never-consumed', topic));
      expect(lag).toMatchObject({ topic, lag: 1, partitions: 1 });
    } finally {
      await publisher.close();
    }
  });

  it('a wrong password is refused by the broker (the client reports it, it does not hang)', async () => {
    const kafka = createKafka(broker.brokers, 'it-scram-bad', { ...(await functionKafkaOptions(runtime('wrong'))), logLevel: 'nothing', retry: { retries: 0 } });
    const publisher = new KafkajsPublisher(kafka, { retry: { retries: 1, initialRetryTime: 100 } });
    try {
      const err = await publisher.publish([{ topic: 'it-scram-refused', value: 'x' }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InfrastructureError);
      expect((err as Error).message).toMatch(/SASL SCRAM SHA512 authentication failed|Authentication failed/i);
    } finally {
      await publisher.close();
    }
  });

  it('a client without SASL (kafka.security auth none) cannot use the broker', async () => {
    const kafka = createKafka(broker.brokers, 'it-scram-none', { logLevel: 'nothing', connectionTimeoutMs: 2_000, requestTimeoutMs: 3_000, retry: { retries: 0 } });
    const err = await withAdmin(kafka, (admin) => admin.listTopics()).catch((e: unknown) => e);
    // The broker closes a connection that does not authenticate.
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('KafkaJSConnectionClosedError');
  });
});
