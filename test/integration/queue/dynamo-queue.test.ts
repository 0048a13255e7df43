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
 * it, through both clients (the lean wire and the AWS SDK). A fresh table per test (waiting() and depth() see the whole table), 3 shards so that every
 * read merges partitions.
 */
const VARIANTS = [...BACKENDS.map((name) => ({ name, client: 'lean' as const })), { name: 'DynamoDB Local' as const, client: 'sdk' as const }];

describe.each(VARIANTS)('on $name, $client client', ({ name, client: wire }) => {
  let backend: Backend | undefined;
  let client: DynamoDBClient | undefined;
  const tables: string[] = [];
  afterAll(async () => {
    for (const t of tables) await deleteQueueTable(client!, t);
    client?.destroy();
    await backend?.close();
  });
  describeWorkQueueContract(`DynamoWorkQueue (${name}, ${wire})`, async () => {
    backend ??= await openBackend(name);
    client ??= createDynamoClient({ endpoint: backend.endpoint, region: 'us-east-1', client: wire });
    const table = uniqueName('queue');
    tables.push(table);
    const queue = new DynamoWorkQueue(client, table, { shards: 3 });
    await queue.ensureTable();
    return queue;
  });
});
