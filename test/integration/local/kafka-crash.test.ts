// The local runner's Kafka source across a consumer crash kafkajs does not restart itself.
//
// After a broker restart, kafkajs can crash a consumer with a non-retriable error — the group
// coordinator lookup fails ("Failed to find group coordinator", KafkaJSGroupCoordinatorNotFound;
// https://github.com/tulios/kafkajs/issues/1630) — and then leaves it stopped for good (CRASH with
// `restart: false`): its group's partitions are never fetched again. Seen in the broker-down drill.
// Here the crash is forced on a real broker: the source's client connects through a socket factory
// that, during the "outage", drops every connection and every FindCoordinator request's connection.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import type { ISocketFactory } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteTopics, ensureTopics } from '../../../lib/kafka/admin.js';
import { createKafka } from '../../../lib/kafka/client.js';
import { KafkaEventSource } from '../../../lib/local/kafka-source.js';
import type { Delivery, SubscriptionHandle } from '../../../lib/local/source.js';
import { serviceEnv, uniqueName } from '../support/services.js';

const { kafkaBrokers } = serviceEnv();
const admin = createKafka(kafkaBrokers, 'it-kafka-crash-admin', { logLevel: 'nothing' });
const producer = admin.producer();
const created: string[] = [];

/**
 * Requests that still get through during the outage: Metadata and ApiVersions (Kafka protocol API
 * keys 3 and 18, https://kafka.apache.org/protocol#protocol_api_keys). A connection opens, then
 * its first real request loses it — as while a broker shuts down or starts up.
 */
const STILL_ANSWERED = new Set([3, 18]);

/** Connections of one kafkajs client, which an "outage" breaks the way a going-away broker does. */
class CoordinatorOutage {
  private down = false;
  private readonly sockets = new Set<Socket>();

  readonly socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = connect({ host, port }, onConnect);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const write = socket.write.bind(socket) as (chunk: Buffer, encoding?: BufferEncoding) => boolean;
    // A request is one buffer: int32 size, int16 api key, … (kafkajs writes each in one call).
    const faulty = (chunk: Buffer, encoding?: BufferEncoding): boolean => {
      if (this.down && Buffer.isBuffer(chunk) && chunk.length >= 6 && !STILL_ANSWERED.has(chunk.readInt16BE(4))) {
        socket.destroy(new Error('outage: connection lost'));
        return false;
      }
      return write(chunk, encoding);
    };
    return Object.assign(socket, { write: faulty });
  };

  begin(): void {
    this.down = true;
    // With an error: kafkajs notices a lost connection by its 'error' / 'end' events, not 'close'.
    for (const s of this.sockets) s.destroy(new Error('outage: connection lost'));
  }

  end(): void {
    this.down = false;
  }
}

/** Polls `check` (generous bound, never a timing assertion); the failure names what the source reported. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, reported: readonly Error[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}; the source reported:\n${reported.map((e) => e.message).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function committed(groupId: string, topic: string): Promise<string | undefined> {
  const a = admin.admin();
  await a.connect();
  try {
    const [entry] = await a.fetchOffsets({ groupId, topics: [topic] });
    return entry?.partitions.find((p) => p.partition === 0)?.offset;
  } finally {
    await a.disconnect();
  }
}

async function produce(topic: string, from: number, count: number): Promise<void> {
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ partition: 0, value: `v${from + i}` })) });
}

afterAll(async () => {
  await producer.disconnect();
  await deleteTopics(admin, created).catch(() => undefined);
});

describe('KafkaEventSource: a consumer kafkajs does not restart', () => {
  it('is replaced, and a delivery in flight during the crash neither throws nor leaves its partition paused', { timeout: 240_000 }, async () => {
    const topic = uniqueName('it-kafka-crash');
    const groupId = uniqueName('it-kafka-crash-group');
    created.push(topic);
    await ensureTopics(admin, [{ name: topic, partitions: 1 }]);

    const outage = new CoordinatorOutage();
    const kafka = new Kafka({
      clientId: 'it-kafka-crash',
      brokers: kafkaBrokers,
      socketFactory: outage.socketFactory,
      connectionTimeout: 3_000,
      requestTimeout: 5_000,
      retry: { initialRetryTime: 100, maxRetryTime: 500, retries: 3 },
      logLevel: logLevel.NOTHING,
    });
    const errors: Error[] = [];
    const source = new KafkaEventSource(kafka, kafkaBrokers, {
      consumerRestartMs: 2_000,
      consumerRestartMaxMs: 4_000,
      listenerErrorBackoffMs: 200,
      commitTimeoutMs: 5_000,
      onError: (e) => errors.push(e),
    });

    const done = new Set<string>();
    // The delivery that reaches offset 5 is held until the consumer has crashed, then commits.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let holding = false;
    const listener = async (d: Delivery): Promise<void> => {
      if (d.records.some((r) => r.offset === '5') && !done.has('5')) {
        holding = true;
        await held;
      }
      const last = d.records[d.records.length - 1]!;
      await d.commit(String(BigInt(last.offset) + 1n));
      for (const r of d.records) done.add(r.offset);
    };

    let sub: SubscriptionHandle | undefined;
    try {
      sub = await source.subscribe({ groupId, topics: [topic], fromBeginning: true }, listener);
      await produce(topic, 0, 5);
      await waitFor('offsets 0–4 committed', async () => (await committed(groupId, topic)) === '5', errors);

      await produce(topic, 5, 1);
      await waitFor('the delivery of offset 5 in flight', () => holding, errors);
      outage.begin();
      await waitFor('a crash on the coordinator lookup', () => errors.some((e) => /group coordinator/i.test(e.message)), errors);
      // Its commit now meets a consumer whose group is gone; the redelivery's resume (200 ms later,
      // on that consumer or on its replacement) must neither throw nor leave the partition paused.
      release();
      await waitFor('the held delivery\'s commit to fail', () => errors.some((e) => /not initialized|timed out/.test(e.message)), errors);
      outage.end();

      await produce(topic, 6, 4);
      await waitFor('offsets 0–9 delivered and committed', async () => done.size === 10 && (await committed(groupId, topic)) === '10', errors);
      // kafkajs did not restart it (restart: false): the source replaced it.
      expect(errors.some((e) => /replaced in \d+ ms/.test(e.message)), errors.map((e) => e.message).join('\n')).toBe(true);
    } finally {
      release();
      outage.end();
      await sub?.stop();
    }
  });
});
