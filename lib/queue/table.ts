import { UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTableIfMissing, deleteTable } from '../capacity/table.js';

/** The local secondary indexes (see README.md): waiting items by order, claimed items by expiry. */
export const ORDER_INDEX = 'by-order';
export const UNTIL_INDEX = 'by-until';

/**
 * The attributes both indexes carry besides the keys (`INCLUDE`): what ordering, routing and
 * recovery read. The payloads (`req`, `rec`, `val`, `res`) stay in the table only, so an index
 * write costs a few hundred bytes instead of the whole item (DynamoDB bills index writes by the
 * projected size).
 */
export const INDEX_ATTRIBUTES = ['state', 'owner', 'okey', 'rid', 'cid', 'prio', 'task', 'model', 'sess', 'deadline', 'firstSeen', 'estTokens', 'attempts', 'counted', 'failed', 'notBefore', 'lastError', 'pbytes'];

/**
 * Creates the queue table when missing (pk S + sk S, LSIs `by-order` on `ord` S and `by-until` on
 * `until` N, projecting {@link INDEX_ATTRIBUTES}, on-demand), waits until it is ACTIVE and enables TTL on `ttl`. Safe to
 * call from several processes at once. Production tables come from serverless.yml.
 */
export async function ensureQueueTable(client: DynamoDBClient, table: string, timeoutMs = 60_000): Promise<void> {
  await createTableIfMissing(
    client,
    {
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'ord', AttributeType: 'S' },
        { AttributeName: 'until', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: ORDER_INDEX,
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'ord', KeyType: 'RANGE' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: INDEX_ATTRIBUTES },
        },
        {
          IndexName: UNTIL_INDEX,
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'until', KeyType: 'RANGE' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: INDEX_ATTRIBUTES },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    },
    timeoutMs,
  );
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }));
  } catch {
    // Already enabled, or not implemented by the emulator: expiry is never relied on.
  }
}

/** Deletes a queue table (tests and benchmarks clean up after themselves); absent is fine. */
export const deleteQueueTable = deleteTable;
