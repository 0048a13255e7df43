import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, it } from 'vitest';
import { createDynamoClient } from '../../../lib/capacity/dynamo-client.js';
import { DynamoCapacityStore } from '../../../lib/capacity/dynamo-store.js';
import { deleteCapacityTable, ensureCapacityTable } from '../../../lib/capacity/table.js';
import { DynamoRequestLedger } from '../../../lib/scheduler/dynamo-ledger.js';
import { chaosRun, checkChaosRun } from '../../unit/scheduler/chaos-run.js';
import type { ChaosAdapters } from '../../unit/scheduler/chaos-run.js';
import { serviceEnv, uniqueName } from '../support/services.js';

/** The seeded chaos runs of the unit suite, with the capacity table and request ledger on DynamoDB Local. */
describe('Chaos on DynamoDB Local: every fault at once, exactly one answer each', () => {
  let client: DynamoDBClient | undefined;
  const tables: string[] = [];
  afterAll(async () => {
    for (const t of tables) await deleteCapacityTable(client!, t);
    client?.destroy();
  });

  const onDynamo: ChaosAdapters = async (config) => {
    client ??= createDynamoClient({ endpoint: serviceEnv().dynamodbEndpoint, region: 'us-east-1' });
    const capacity = uniqueName('chaos-capacity');
    const requests = uniqueName('chaos-requests');
    tables.push(capacity, requests);
    await ensureCapacityTable(client, capacity);
    const ledger = new DynamoRequestLedger(client, requests);
    await ledger.ensureTable();
    const store = new DynamoCapacityStore(client, capacity, { priorityShares: config.capacity.priority_shares, cooldown: config.capacity.cooldown });
    return { store, ledger };
  };

  // CHAOS_SEEDS=50 for a longer hunt.
  const count = Number(process.env['CHAOS_SEEDS'] ?? 4);
  for (let seed = 101; seed < 101 + count; seed++) {
    it(`seed ${seed}`, async () => {
      await checkChaosRun(await chaosRun(seed, onDynamo));
    });
  }
});
