import { afterAll, describe } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../../lib/capacity/dynamo-client.js';
import { deleteCapacityTable } from '../../../lib/capacity/table.js';
import { DynamoRequestLedger } from '../../../lib/scheduler/dynamo-ledger.js';
import { requestLedgerContract } from '../../unit/scheduler/ledger-contract.js';
import { BACKENDS, openBackend } from '../capacity/support.js';
import type { Backend } from '../capacity/support.js';
import { uniqueName } from '../support/services.js';

/** The in-memory ledger's contract on the real table: DynamoDB Local and dynalite must agree with it. */
describe.each(BACKENDS)('on %s', (name) => {
  let backend: Backend | undefined;
  let client: DynamoDBClient | undefined;
  const tables: string[] = [];
  afterAll(async () => {
    for (const t of tables) await deleteCapacityTable(client!, t);
    client?.destroy();
    await backend?.close();
  });
  requestLedgerContract(`DynamoRequestLedger (${name})`, async () => {
    backend ??= await openBackend(name);
    client ??= createDynamoClient({ endpoint: backend.endpoint, region: 'us-east-1' });
    const c = client;
    return {
      make: async (now) => {
        // One table per backend; keys are unique per test.
        if (tables.length === 0) {
          const table = uniqueName('requests');
          await new DynamoRequestLedger(c, table).ensureTable();
          tables.push(table);
        }
        return new DynamoRequestLedger(c, tables[0]!, now);
      },
    };
  });
});
