import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InfrastructureError } from '../errors/index.js';

/** Requests issued to the table, for the benchmark's "writes per admitted request". */
export interface TableCounters {
  /** Every write call issued (update, put, delete), including those that failed their condition. */
  writes: number;
  /** Writes refused by their condition. */
  conditionFailures: number;
  /** Reads issued (get, batch get pages, scan pages). */
  reads: number;
}

export type Item = Record<string, unknown>;

/** Result of a conditional update: applied, or refused with the item as it was (when returned). */
export type UpdateResult =
  | { ok: true; attributes: Item | undefined }
  | { ok: false; /** ALL_OLD; undefined when the item is missing or the server does not return it (dynalite). */ item: Item | undefined };

function isConditionFailure(err: unknown): err is Error & { Item?: Record<string, AttributeValue> } {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/**
 * The few table operations the capacity store needs, on the document client. Conditional failures
 * are results, not errors; anything else is an `InfrastructureError` (retryable).
 */
export class TableIO {
  readonly doc: DynamoDBDocumentClient;
  readonly counters: TableCounters = { writes: 0, conditionFailures: 0, reads: 0 };

  constructor(client: DynamoDBClient, readonly table: string) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  private fail(op: string, err: unknown): never {
    const name = err instanceof Error ? err.name : '';
    const hint = name === 'ResourceNotFoundException' ? ` (does table ${this.table} exist? \`agentsched models add\` creates it)` : '';
    throw new InfrastructureError(`capacity table ${op} failed${hint}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }

  async update(input: Omit<UpdateCommandInput, 'TableName'>): Promise<UpdateResult> {
    this.counters.writes += 1;
    try {
      const out = await this.doc.send(new UpdateCommand({ TableName: this.table, ...input }));
      return { ok: true, attributes: out.Attributes };
    } catch (err) {
      if (!isConditionFailure(err)) this.fail('update', err);
      this.counters.conditionFailures += 1;
      return { ok: false, item: err.Item ? unmarshall(err.Item) : undefined };
    }
  }

  async put(item: Item): Promise<void> {
    this.counters.writes += 1;
    try {
      await this.doc.send(new PutCommand({ TableName: this.table, Item: item }));
    } catch (err) {
      this.fail('put', err);
    }
  }

  /** Deletes an item; returns the deleted item, undefined when there was none. */
  async delete(pk: string): Promise<Item | undefined> {
    this.counters.writes += 1;
    try {
      const out = await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk }, ReturnValues: 'ALL_OLD' }));
      return out.Attributes;
    } catch (err) {
      return this.fail('delete', err);
    }
  }

  async get(pk: string): Promise<Item | undefined> {
    this.counters.reads += 1;
    try {
      const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk }, ConsistentRead: true }));
      return out.Item;
    } catch (err) {
      return this.fail('read', err);
    }
  }

  /** Strongly consistent reads of up to 100 keys; missing items are absent from the result. */
  async getMany(pks: string[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    let keys = pks.map((pk) => ({ pk }));
    for (let round = 0; keys.length > 0; round++) {
      this.counters.reads += 1;
      try {
        const out = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[this.table] ?? []) found.set(String(item['pk']), item);
        keys = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as { pk: string }[];
      } catch (err) {
        this.fail('batch read', err);
      }
      if (keys.length > 0) await new Promise((r) => setTimeout(r, Math.min(1_000, 20 * 2 ** round)));
    }
    return found;
  }

  /** Every item of the table (the capacity table holds a few items per model). */
  async scan(): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      this.counters.reads += 1;
      try {
        const out = await this.doc.send(new ScanCommand({ TableName: this.table, ConsistentRead: true, ExclusiveStartKey: start }));
        items.push(...(out.Items ?? []));
        start = out.LastEvaluatedKey;
      } catch (err) {
        this.fail('scan', err);
      }
    } while (start);
    return items;
  }
}
