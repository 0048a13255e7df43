import { afterAll, describe } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../../lib/capacity/dynamo-client.js';
import { deleteQueueTable } from '../../../lib/queue/table.js';
import { DynamoWorkQueue } from '../../../lib/queue/dynamo-queue.js';
import { describeWorkQueueContract } from '../../unit/queue/queue-contract.js';
import { BACKENDS, openBackend } from '../capacity/support.js';
import type { Backend } from '../capacity/support.js';
import { uniqueName } from '../support/services.js';

/**
 * The in-memory queue's contract on the real table: DynamoDB Local and dynalite must agree with
 * it. A fresh table per test (waiting() and depth() see the whole table), 3 shards so that every
 * read merges partitions.
 */
describe.each(BACKENDS)('on %s', (name) => {
  let backend: Backend | undefined;
  let client: DynamoDBClient | undefined;
  const tables: string[] = [];
  afterAll(async () => {
    for (const t of tables) await deleteQueueTable(client!, t);
    client?.destroy();
    await backend?.close();
  });
  describeWorkQueueContract(`DynamoWorkQueue (${name})`, async () => {
    backend ??= await openBackend(name);
    client ??= createDynamoClient({ endpoint: backend.endpoint, region: 'us-east-1' });
    const table = uniqueName('queue');
    tables.push(table);
    const queue = new DynamoWorkQueue(client, table, { shards: 3 });
    await queue.ensureTable();
    return queue;
  });
});
