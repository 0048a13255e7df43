import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InfrastructureError } from '../errors/index.js';

const errName = (err: unknown): string => (err instanceof Error ? err.name : '');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function status(client: DynamoDBClient, table: string): Promise<string | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: table }));
    return out.Table?.TableStatus;
  } catch (err) {
    if (errName(err) === 'ResourceNotFoundException') return undefined;
    throw new InfrastructureError(`cannot describe table ${table}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Creates the capacity table when it does not exist (partition key `pk`, on-demand billing) and
 * waits until it is ACTIVE. Safe to call from several processes at once. Production tables come
 * from serverless.yml with the same key schema; this is for local runs, tests and the CLI.
 */
export async function ensureCapacityTable(client: DynamoDBClient, table: string, timeoutMs = 60_000): Promise<void> {
  if ((await status(client, table)) === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: table,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (err) {
      // Another process created it first: wait for it like for our own.
      if (errName(err) !== 'ResourceInUseException') {
        throw new InfrastructureError(`cannot create table ${table}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await status(client, table)) === 'ACTIVE') return;
    if (Date.now() > deadline) throw new InfrastructureError(`table ${table} is not ACTIVE after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Deletes a table (tests and benchmarks clean up after themselves); absent is fine. */
export async function deleteCapacityTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: table }));
  } catch (err) {
    if (errName(err) !== 'ResourceNotFoundException') {
      throw new InfrastructureError(`cannot delete table ${table}: ${(err as Error).message}`, { cause: err });
    }
  }
}
