import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../../lib/capacity/dynamo-client.js';
import { createCapacityStore, deleteCapacityTable } from '../../../lib/capacity/index.js';
import { deleteTopics, ensureTopics } from '../../../lib/kafka/admin.js';
import { createKafka } from '../../../lib/kafka/client.js';
import type { AutoscaleOutcome } from '../../../lib/scaling/autoscaler.js';
import { e2eConfig } from '../support/stack.js';
import { startFakeLambdaApi } from './fake-lambda-api.js';
import type { FakeLambdaApi } from './fake-lambda-api.js';

const FN = 'agentsched-it-schedule';
const ARN = `arn:aws:lambda:us-east-1:123456789012:function:${FN}`;
const LONG_AGO = Date.now() / 1000 - 3_600;
const config = e2eConfig({
  models: [{ id: 'm1', endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation'], capacity: 10 }],
  scaling: { min: 1, max: 10, scaling_factor: 1.5 },
});
const t = config.kafka.topics;
const kafka = createKafka(config.kafka.bootstrap_servers, `${config.kafka.client_id}-it`);
const dynamo = createDynamoClient(config.dynamodb);
const cleanups: (() => Promise<unknown>)[] = [];
const savedEnv = { ...process.env };
let api: FakeLambdaApi;
let handler: (event: unknown, context: Context) => Promise<AutoscaleOutcome[]>;

function kafkaMapping(uuid: string, topic: string, pollers?: { MinimumPollers: number; MaximumPollers: number }): Record<string, unknown> & { UUID: string; FunctionArn: string } {
  return {
    UUID: uuid,
    FunctionArn: ARN,
    Topics: [topic],
    SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: config.kafka.bootstrap_servers } },
    SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: `${config.kafka.client_id}-${uuid}` },
    ...(pollers ? { ProvisionedPollerConfig: pollers } : {}),
    BatchSize: 100,
    State: 'Enabled',
    LastModified: LONG_AGO,
  };
}

async function produce(topic: string, count: number): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `{"n":${i}}` })) });
  } finally {
    await producer.disconnect();
  }
}

beforeAll(async () => {
  await ensureTopics(kafka, [
    { name: t.high, partitions: 4 },
    { name: t.medium, partitions: 2 },
    { name: t.low, partitions: 2 },
  ]);
  cleanups.push(() => deleteTopics(kafka, [t.high, t.medium, t.low]));
  await produce(t.high, 500);
  await produce(t.low, 300);
  const store = createCapacityStore(config, { client: dynamo });
  await store.ensureTable();
  cleanups.push(() => deleteCapacityTable(dynamo, config.capacity.table));
  await store.putModel(config.models[0]!);

  api = await startFakeLambdaApi([
    kafkaMapping('high', t.high, { MinimumPollers: 1, MaximumPollers: 2 }),
    kafkaMapping('medium', t.medium, { MinimumPollers: 1, MaximumPollers: 2 }),
    kafkaMapping('low', t.low),
  ]);
  cleanups.push(() => api.close());

  const dir = mkdtempSync(join(tmpdir(), 'agentsched-autoscale-'));
  writeFileSync(join(dir, 'agentsched.yaml'), JSON.stringify(config));
  Object.assign(process.env, {
    AGENTSCHED_CONFIG: join(dir, 'agentsched.yaml'),
    SCHEDULE_FUNCTION_NAME: FN,
    AUTOSCALE_ON_DEMAND: 'adopt',
    AWS_ENDPOINT_URL_LAMBDA: api.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  ({ handler } = await import('../../../functions/autoscale.js'));
});

afterAll(async () => {
  process.env = savedEnv;
  for (const c of cleanups.reverse()) await c();
});

const context = { awsRequestId: 'it-autoscale', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
const writes = (): [string, unknown][] =>
  api.requests.filter((r) => r.method === 'PUT').map((r) => [r.path.split('/').pop()!, r.body]);

describe('functions/autoscale on the real broker and capacity table', () => {
  it('sizes each priority mapping from its real lag and the fleet, adopting the on-demand one', async () => {
    const out = await handler({}, context);

    expect(out.map((o) => [o.uuid, o.priority, o.decision?.reason, o.decision?.pollers])).toEqual([
      ['high', 'high', 'scale_up', 3],
      ['medium', 'medium', 'scale_down', 1],
      ['low', 'low', 'scale_up', 2],
    ]);
    expect(writes()).toEqual([
      ['high', { ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 3 } }],
      ['medium', { ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 1 } }],
      ['low', { ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 2 } }],
    ]);
  });

  it('changes nothing on the next run: high waits out its cool-down, low is at its 2 partitions', async () => {
    const before = writes().length;

    const out = await handler({}, context);

    expect(out.map((o) => o.decision?.reason)).toEqual(['cooldown', 'steady', 'at_limit']);
    expect(writes()).toHaveLength(before);
  });
});
