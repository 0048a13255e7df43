import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
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
 * Creates a table from `input` when it does not exist and waits until it is ACTIVE. Safe to call
 * from several processes at once (a table another process created first is waited for like our
 * own). Production tables come from serverless.yml; this is for local runs, tests and the CLI.
 */
export async function createTableIfMissing(client: DynamoDBClient, input: CreateTableCommandInput, timeoutMs = 60_000): Promise<void> {
  const table = input.TableName ?? '';
  if ((await status(client, table)) === undefined) {
    try {
      await client.send(new CreateTableCommand(input));
    } catch (err) {
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

/** Creates the capacity table when it does not exist (partition key `pk`, on-demand billing). */
export async function ensureCapacityTable(client: DynamoDBClient, table: string, timeoutMs = 60_000): Promise<void> {
  await createTableIfMissing(
    client,
    {
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    },
    timeoutMs,
  );
}

/** Deletes a table (tests and benchmarks clean up after themselves); absent is fine. */
export async function deleteTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: table }));
  } catch (err) {
    if (errName(err) !== 'ResourceNotFoundException') {
      throw new InfrastructureError(`cannot delete table ${table}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** The capacity table's name for {@link deleteTable}. */
export const deleteCapacityTable = deleteTable;
