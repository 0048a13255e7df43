// Floor consumer process: `node --import tsx bench/load/floor.ts --plan FILE`. The least any
// scheduler can cost: consume the priority topics and answer every request at once on `results`
// (two Kafka hops; no table, no model). Prints `ready` once its consumer group has joined.
import type { Message } from 'kafkajs';
import { createKafka } from '../../lib/kafka/client.js';
import { PlanSchema, readJsonFile } from './records.js';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) throw new Error(`floor: --${name} is required`);
  return v;
}

function answer(value: Buffer | null): Message | undefined {
  if (!value) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const req = body as Record<string, unknown>;
  if (typeof req['correlation_id'] !== 'string') return undefined;
  const result = {
    id: req['id'], task_type: req['task_type'], priority: req['priority'], correlation_id: req['correlation_id'],
    model_id: 'floor', status: 'completed', content: '', token_count: 0, llm_ms: 0, attempts: 0,
  };
  return { value: JSON.stringify(result), headers: { correlation_id: req['correlation_id'] } };
}

async function main(): Promise<void> {
  const plan = readJsonFile(arg('plan'), PlanSchema);
  const kafka = createKafka(plan.brokers, `${plan.client_id}-floor`, { logLevel: 'error' });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${plan.client_id}-floor`, maxWaitTimeInMs: 200 });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [plan.topics.high, plan.topics.medium, plan.topics.low], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      const messages = batch.messages.map((m) => answer(m.value)).filter((m): m is Message => m !== undefined);
      if (messages.length > 0) await producer.send({ topic: plan.topics.results, messages });
      const last = batch.messages[batch.messages.length - 1];
      if (last) resolveOffset(last.offset);
      await heartbeat();
    },
  });
  await joined;
  process.stdout.write('ready\n');
  const stop = (): void => {
    void Promise.allSettled([consumer.disconnect(), producer.disconnect()]).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
