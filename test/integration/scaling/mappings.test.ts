import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { MappingControlError } from '../../../lib/scaling/errors.js';
import { LambdaMappingControl } from '../../../lib/scaling/mappings.js';
import { startFakeLambdaApi } from './fake-lambda-api.js';
import type { ApiMapping, FakeLambdaApi } from './fake-lambda-api.js';

const FN = 'agentsched-test-schedule';
const ARN = `arn:aws:lambda:us-east-1:123456789012:function:${FN}`;
const MODIFIED = 1_700_000_000;

const MAPPINGS: ApiMapping[] = [
  {
    UUID: '11111111-1111-4111-8111-111111111111',
    FunctionArn: ARN,
    Topics: ['high_priority'],
    SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['b1:9092'] } },
    SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'agentsched-high' },
    ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 3 },
    BatchSize: 100,
    State: 'Enabled',
    LastModified: MODIFIED,
  },
  {
    UUID: '22222222-2222-4222-8222-222222222222',
    FunctionArn: ARN,
    EventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/c/abc',
    Topics: ['medium_priority'],
    AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'agentsched-medium' },
    ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 8, PollerGroupName: 'pg' },
    BatchSize: 50,
    State: 'Updating',
    LastModified: MODIFIED + 60,
  },
  { UUID: '33333333-3333-4333-8333-333333333333', FunctionArn: ARN, EventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:q', State: 'Enabled' },
  {
    UUID: '44444444-4444-4444-8444-444444444444',
    FunctionArn: ARN,
    Topics: ['low_priority'],
    SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['b1:9092'] } },
    State: 'Enabled',
  },
  {
    UUID: '55555555-5555-4555-8555-555555555555',
    FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:someone-else',
    Topics: ['high_priority'],
    ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 1 },
  },
];

let api: FakeLambdaApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function control(pageSize = 100): Promise<{ api: FakeLambdaApi; control: LambdaMappingControl }> {
  api = await startFakeLambdaApi(MAPPINGS, { pageSize });
  const client = new LambdaClient({
    endpoint: api.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return { api, control: new LambdaMappingControl(client) };
}

describe('LambdaMappingControl against an imitation of the Lambda API', () => {
  it('lists the function’s Kafka mappings over every page, with group ids, pollers, batch size, state and time', async () => {
    const { api, control: c } = await control(2);

    const list = await c.list(FN);

    expect(list).toEqual([
      { uuid: MAPPINGS[0]!.UUID, topic: 'high_priority', groupId: 'agentsched-high', pollers: { min: 1, max: 3 }, batchSize: 100, state: 'Enabled', lastModified: MODIFIED * 1000 },
      {
        uuid: MAPPINGS[1]!.UUID,
        topic: 'medium_priority',
        groupId: 'agentsched-medium',
        pollers: { min: 2, max: 8, group: 'pg' },
        batchSize: 50,
        state: 'Updating',
        lastModified: (MODIFIED + 60) * 1000,
      },
      // No consumer group configured: Lambda uses the mapping's UUID; no poller config: on-demand.
      { uuid: MAPPINGS[3]!.UUID, topic: 'low_priority', groupId: MAPPINGS[3]!.UUID, pollers: null, state: 'Enabled' },
    ]);
    expect(api.requests.map((r) => [r.method, r.path, r.query])).toEqual([
      ['GET', '/2015-03-31/event-source-mappings', { FunctionName: FN }],
      ['GET', '/2015-03-31/event-source-mappings', { FunctionName: FN, Marker: '2' }],
    ]);
  });

  it('updates only ProvisionedPollerConfig, keeping the poller group, and the change is visible in the next list', async () => {
    const { api, control: c } = await control();

    await c.setPollers(MAPPINGS[0]!.UUID, { min: 1, max: 5 });
    await c.setPollers(MAPPINGS[1]!.UUID, { min: 2, max: 4, group: 'pg' });

    expect(api.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ['PUT', `/2015-03-31/event-source-mappings/${MAPPINGS[0]!.UUID}`, { ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 5 } }],
      [
        'PUT',
        `/2015-03-31/event-source-mappings/${MAPPINGS[1]!.UUID}`,
        { ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 4, PollerGroupName: 'pg' } },
      ],
    ]);
    const after = await c.list(FN);
    expect(after[0]!.pollers).toEqual({ min: 1, max: 5 });
    expect(after[0]!.lastModified).toBeGreaterThan(MODIFIED * 1000);
  });

  it('turns a busy mapping into a retryable MappingControlError and a denied call into a final one', async () => {
    const { api, control: c } = await control();

    api.failNextUpdate({ name: 'ResourceInUseException', status: 400, message: 'mapping is updating' });
    const busy = await c.setPollers(MAPPINGS[0]!.UUID, { min: 1, max: 2 }).catch((e: unknown) => e);
    api.failNextUpdate({ name: 'AccessDeniedException', status: 403, message: 'not authorized' });
    const denied = await c.setPollers(MAPPINGS[0]!.UUID, { min: 1, max: 2 }).catch((e: unknown) => e);

    expect(busy).toBeInstanceOf(MappingControlError);
    expect(busy).toMatchObject({ code: 'mapping_control_failed', awsError: 'ResourceInUseException', retryable: true });
    expect((busy as Error).message).toContain(MAPPINGS[0]!.UUID);
    expect(denied).toMatchObject({ awsError: 'AccessDeniedException', retryable: false });
    expect(api.mappings.get(MAPPINGS[0]!.UUID)!['ProvisionedPollerConfig']).toEqual({ MinimumPollers: 1, MaximumPollers: 3 });
  });

  it('reports an unreachable API as a retryable MappingControlError', async () => {
    const { api, control: c } = await control();
    await api.close();

    await expect(c.list(FN)).rejects.toMatchObject({ code: 'mapping_control_failed', retryable: true });
  });
});
