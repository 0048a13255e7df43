import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaSecurity } from '../../../lib/config/kafka-security.js';
import { parseConfig } from '../../../lib/config/load.js';
import { createKafka } from '../../../lib/kafka/client.js';
import { KafkajsPublisher } from '../../../lib/kafka/kafkajs-publisher.js';
import { createFunctionRuntime, functionKafkaOptions } from '../../../lib/lambda/runtime.js';
import { consumeUntil } from '../../../lib/local/consumer.js';
import { createObservability } from '../../../lib/observability/index.js';
import { startTlsBroker } from './extra-broker.js';
import type { ExtraBroker, TlsMaterial } from './extra-broker.js';

let broker: ExtraBroker & { tls: TlsMaterial };
beforeAll(async () => {
  broker = await startTlsBroker();
}, 150_000);
afterAll(async () => {
  await broker?.stop();
});

/** A Kafka client built the way the functions build theirs, from `kafka.security` and secrets in the environment. */
async function client(listener: string, security: Record<string, unknown>) {
  const env = {
    IT_KAFKA_CA: broker.tls.ca,
    IT_KAFKA_CERT: JSON.stringify({ certificate: broker.tls.clientCert, privateKey: broker.tls.clientKey }),
  };
  const brokers = [broker.listeners[listener]!];
  const config = parseConfig({ kafka: { bootstrap_servers: brokers, security }, models: [{ id: 'm1', endpoint: 'https://models.example.com/v1', supported_tasks: ['text_generation'], capacity: 1 }] }, 'it.yaml');
  const rt = createFunctionRuntime(config, createObservability('it-tls'), env);
  return createKafka(brokers, `it-${listener.toLowerCase()}`, { ...(await functionKafkaOptions(rt)), logLevel: 'nothing', connectionTimeoutMs: 3_000, retry: { retries: 1, initialRetryTime: 100 } });
}

async function roundTrip(kafka: Awaited<ReturnType<typeof client>>): Promise<string[]> {
  const topic = `it-tls-${randomUUID().slice(0, 8)}`;
  const publisher = new KafkajsPublisher(kafka, { retry: { retries: 2, initialRetryTime: 100 } });
  try {
    await publisher.publish([{ topic, value: 'over tls' }]);
    return (await consumeUntil(kafka, topic, { count: 1, timeoutMs: 30_000 })).map((r) => r.value?.toString('utf8') ?? '');
  } finally {
    await publisher.close();
  }
}

describe('Kafka TLS and mTLS against a real broker with SSL listeners', () => {
  it('plain TLS with the private CA from kafka.security.ca: the producer publishes, a consumer reads', async () => {
    await expect(roundTrip(await client('TLS', { auth: 'tls', ca: { env: 'IT_KAFKA_CA' } } satisfies KafkaSecurity))).resolves.toEqual(['over tls']);
  });

  it('plain TLS without that CA is refused: the broker certificate is verified', async () => {
    await expect(roundTrip(await client('TLS', { auth: 'tls' }))).rejects.toThrow(/^Kafka producer cannot connect: .*(self.signed|unable to (get|verify)|certificate)/i);
  });

  it('mTLS with the client certificate secret ({"certificate","privateKey"}) on a listener that requires one', async () => {
    await expect(roundTrip(await client('MTLS', { auth: 'mtls', client_certificate: { env: 'IT_KAFKA_CERT' }, ca: { env: 'IT_KAFKA_CA' } }))).resolves.toEqual(['over tls']);
  });

  it('the same listener refuses a client without a certificate', async () => {
    await expect(roundTrip(await client('MTLS', { auth: 'tls', ca: { env: 'IT_KAFKA_CA' } }))).rejects.toThrow(/^Kafka producer cannot connect/);
  });
});
