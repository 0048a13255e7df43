// The local runner's Kafka source across a real broker outage: a broker of the test's own (the
// services script, as the broker-down drill uses: bench/drill/services.ts) is stopped for longer
// than the functions' client keeps retrying, then started again with its data.
//
// A consumer whose retries run out crashes, and kafkajs restarts it as a new member of its group;
// on the restarted broker the group then waits for the old member's session timeout before it
// fetches again. With the source's own patient retries (SOURCE_RETRY) the consumer rides the outage
// out and carries on as the member it was.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwn } from '../../../bench/drill/services.js';
import type { OwnServices } from '../../../bench/drill/services.js';
import { ensureTopics } from '../../../lib/kafka/admin.js';
import { createKafka } from '../../../lib/kafka/client.js';
import { ConsumerCrashedError } from '../../../lib/local/errors.js';
import { createSourceKafka, KafkaEventSource } from '../../../lib/local/kafka-source.js';
import type { Delivery, SubscriptionHandle } from '../../../lib/local/source.js';
import { serviceEnv, uniqueName } from '../support/services.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const { kafkaBrokers, dynamodbEndpoint } = serviceEnv();
/** The drill's outage: longer than the functions' client retries (lib/kafka/client.ts, ~11 s in all). */
const OUTAGE_MS = 12_000;

let own: OwnServices | undefined;

beforeAll(async () => {
  own = await startOwn(ROOT, 'kafka', { brokers: kafkaBrokers, dynamodb: dynamodbEndpoint });
}, 180_000);

afterAll(async () => {
  await own?.destroy();
}, 120_000);

/** Polls `check` (generous bound, never a timing assertion); the failure names what the source reported. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, reported: readonly Error[], timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}; the source reported:\n${reported.map((e) => e.message).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('KafkaEventSource across a broker outage', () => {
  it('keeps its group membership: no consumer crash, the same member before and after, every record delivered', { timeout: 300_000 }, async () => {
    const brokers = [own!.address];
    const admin = createKafka(brokers, 'it-kafka-outage-admin', { logLevel: 'nothing', retry: { initialRetryTime: 300, maxRetryTime: 2_000, retries: 100 } });
    const topic = uniqueName('it-kafka-outage');
    const groupId = uniqueName('it-kafka-outage-group');
    await ensureTopics(admin, [{ name: topic, partitions: 1 }]);

    const errors: Error[] = [];
    const source = new KafkaEventSource(createSourceKafka(brokers, 'it-kafka-outage', { logLevel: 'nothing' }), brokers, { onError: (e) => errors.push(e) });
    const done = new Set<string>();
    const listener = async (d: Delivery): Promise<void> => {
      const last = d.records[d.records.length - 1]!;
      await d.commit(String(BigInt(last.offset) + 1n));
      for (const r of d.records) done.add(r.value?.toString() ?? '');
    };
    const producer = admin.producer();
    const produce = async (from: number, count: number): Promise<void> => {
      await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ value: `v${from + i}` })) });
    };
    const members = async (): Promise<string[]> => {
      const a = admin.admin();
      await a.connect();
      try {
        const { groups } = await a.describeGroups([groupId]);
        return groups[0]?.members.map((m) => m.memberId) ?? [];
      } finally {
        await a.disconnect();
      }
    };

    let sub: SubscriptionHandle | undefined;
    try {
      sub = await source.subscribe({ groupId, topics: [topic], fromBeginning: true }, listener);
      await producer.connect();
      await produce(0, 3);
      await waitFor('v0–v2 delivered', () => done.size === 3, errors);
      const before = await members();
      expect(before).toHaveLength(1);

      await own!.stop();
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      await own!.start();

      await produce(3, 3);
      await waitFor('v0–v5 delivered', () => done.size === 6, errors);
      const crashes = errors.filter((e) => e instanceof ConsumerCrashedError);
      expect(crashes.map((e) => e.message)).toEqual([]);
      expect(await members()).toEqual(before);
    } finally {
      await sub?.stop();
      await producer.disconnect();
    }
  });
});
