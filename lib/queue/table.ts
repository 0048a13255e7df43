import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InfrastructureError } from '../errors/index.js';

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

const errName = (err: unknown): string => (err instanceof Error ? err.name : '');
const errMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function status(client: DynamoDBClient, table: string): Promise<string | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: table }));
    return out.Table?.TableStatus;
  } catch (err) {
    if (errName(err) === 'ResourceNotFoundException') return undefined;
    throw new InfrastructureError(`cannot describe table ${table}: ${errMessage(err)}`, { cause: err });
  }
}

/**
 * Creates the queue table when missing (pk S + sk S, LSIs `by-order` on `ord` S and `by-until` on
 * `until` N, projecting {@link INDEX_ATTRIBUTES}, on-demand), waits until it is ACTIVE and enables TTL on `ttl`. Safe to
 * call from several processes at once. Production tables come from serverless.yml.
 */
export async function ensureQueueTable(client: DynamoDBClient, table: string, timeoutMs = 60_000): Promise<void> {
  if ((await status(client, table)) === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
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
        }),
      );
    } catch (err) {
      // Another process created it first: wait for it like for our own.
      if (errName(err) !== 'ResourceInUseException') {
        throw new InfrastructureError(`cannot create table ${table}: ${errMessage(err)}`, { cause: err });
      }
    }
  }
  const deadline = Date.now() + timeoutMs;
  while ((await status(client, table)) !== 'ACTIVE') {
    if (Date.now() > deadline) throw new InfrastructureError(`table ${table} is not ACTIVE after ${timeoutMs} ms`);
    await sleep(100);
  }
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }));
  } catch {
    // Already enabled, or not implemented by the emulator: expiry is never relied on.
  }
}

/** Deletes a queue table (tests and benchmarks clean up after themselves); absent is fine. */
export async function deleteQueueTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: table }));
  } catch (err) {
    if (errName(err) !== 'ResourceNotFoundException') {
      throw new InfrastructureError(`cannot delete table ${table}: ${errMessage(err)}`, { cause: err });
    }
  }
}
