import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, it } from 'vitest';
import { createDynamoClient } from '../../../lib/capacity/dynamo-client.js';
import { DynamoCapacityStore } from '../../../lib/capacity/dynamo-store.js';
import { optionsFromConfig } from '../../../lib/capacity/options.js';
import { deleteCapacityTable, ensureCapacityTable } from '../../../lib/capacity/table.js';
import { DynamoWorkQueue } from '../../../lib/queue/dynamo-queue.js';
import { deleteQueueTable, ensureQueueTable } from '../../../lib/queue/table.js';
import { chaosRun, checkChaosRun } from '../../unit/scheduler/chaos-run.js';
import type { ChaosAdapters } from '../../unit/scheduler/chaos-run.js';
import { serviceEnv, uniqueName } from '../support/services.js';

/** The seeded chaos runs of the unit suite, with the capacity table and wait queue on DynamoDB Local. */
describe('Chaos on DynamoDB Local: every fault at once, exactly one answer each', () => {
  let client: DynamoDBClient | undefined;
  const tables: string[] = [];
  const queues: string[] = [];
  afterAll(async () => {
    for (const t of tables) await deleteCapacityTable(client!, t);
    for (const t of queues) await deleteQueueTable(client!, t);
    client?.destroy();
  });

  const onDynamo: ChaosAdapters = async (config) => {
    client ??= createDynamoClient({ endpoint: serviceEnv().dynamodbEndpoint, region: 'us-east-1' });
    const capacity = uniqueName('chaos-capacity');
    const queueTable = uniqueName('chaos-queue');
    tables.push(capacity);
    queues.push(queueTable);
    await ensureCapacityTable(client, capacity);
    await ensureQueueTable(client, queueTable);
    const store = new DynamoCapacityStore(client, capacity, optionsFromConfig(config));
    return { store, queue: new DynamoWorkQueue(client, queueTable, { shards: 2 }) };
  };

  // CHAOS_SEEDS=50 for a longer hunt.
  const count = Number(process.env['CHAOS_SEEDS'] ?? 4);
  for (let seed = 101; seed < 101 + count; seed++) {
    it(`seed ${seed}`, async () => {
      await checkChaosRun(await chaosRun(seed, onDynamo));
    });
  }
});
