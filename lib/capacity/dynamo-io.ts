import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { QueryCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { fromWire, itemsOf, toWire } from './dynamo-values.js';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InfrastructureError } from '../errors/index.js';
import { StatementsUnsupportedError, executeStatements } from './dynamo-statements.js';
import type { StatementOutcome, WriteStatement } from './dynamo-statements.js';
import { wireFor } from './dynamo-wire.js';
import type { DynamoOp, DynamoWire, WireBody, WireItem } from './dynamo-wire.js';

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

/** An item's key: a partition key value (tables keyed by `pk` only), or the whole key object. */
export type TableKey = string | Record<string, string | number>;

const keyOf = (key: TableKey): Record<string, string | number> => (typeof key === 'string' ? { pk: key } : key);

/** A condition on a write: expression plus the names and values it uses. */
export interface WriteCondition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/** What a paged query collected. */
export interface QueryResult {
  items: Item[];
  /** Matching items (Select COUNT: the count; otherwise items.length). */
  count: number;
  /** Where to go on; undefined when the query reached its end. */
  lastKey: Record<string, unknown> | undefined;
}

/** How far `query` pages: until `maxItems` matched, or `maxScanned` were read, or the end. */
export interface QueryLimits {
  maxItems?: number;
  maxScanned?: number;
}

export interface TableIOOptions {
  /** Names the table in errors (default "capacity table"). */
  label?: string;
  /** Added to the error when the table does not exist. */
  missingHint?: string;
}

/** Result of a conditional update: applied, or refused with the item as it was (when returned). */
export type UpdateResult =
  | { ok: true; attributes: Item | undefined }
  | { ok: false; /** ALL_OLD; undefined when the item is missing or the server does not return it (dynalite). */ item: Item | undefined };

function isConditionFailure(err: unknown): err is Error & { Item?: Record<string, AttributeValue> } {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/**
 * The few table operations the capacity store and the queue need, over a `DynamoWire`, with plain
 * values in and out (as the SDK's document client). Conditional failures are results, not
 * errors; anything else is an `InfrastructureError` (retryable).
 */
export class TableIO {
  private readonly wire: DynamoWire;
  readonly counters: TableCounters = { writes: 0, conditionFailures: 0, reads: 0 };

  private readonly label: string;
  private readonly missingHint: string;

  constructor(client: DynamoDBClient, readonly table: string, opts: TableIOOptions = {}) {
    this.wire = wireFor(client);
    this.label = opts.label ?? 'capacity table';
    this.missingHint = opts.missingHint ?? '`agentsched models add` creates it';
  }

  private fail(op: string, err: unknown): never {
    const name = err instanceof Error ? err.name : '';
    const hint = name === 'ResourceNotFoundException' ? ` (does table ${this.table} exist? ${this.missingHint})` : '';
    throw new InfrastructureError(`${this.label} ${op} failed${hint}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }

  private send(op: DynamoOp, input: Record<string, unknown>): Promise<WireBody> {
    return this.wire.call(op, toWire({ TableName: this.table, ...input }));
  }

  async update(input: Omit<UpdateCommandInput, 'TableName'>): Promise<UpdateResult> {
    this.counters.writes += 1;
    try {
      const out = await this.send('UpdateItem', input);
      return { ok: true, attributes: fromWire(out['Attributes']) };
    } catch (err) {
      if (!isConditionFailure(err)) this.fail('update', err);
      this.counters.conditionFailures += 1;
      return { ok: false, item: err.Item ? unmarshall(err.Item) : undefined };
    }
  }

  async put(item: Item): Promise<void> {
    this.counters.writes += 1;
    try {
      await this.send('PutItem', { Item: item });
    } catch (err) {
      this.fail('put', err);
    }
  }

  /**
   * Puts an item when `condition` holds (e.g. `attribute_not_exists(pk)`); refused, it returns the
   * item as it was where the server says (ALL_OLD; dynalite does not), else undefined.
   */
  async putIf(item: Item, condition: WriteCondition): Promise<UpdateResult> {
    this.counters.writes += 1;
    try {
      await this.send('PutItem', {
        Item: item,
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: condition.names,
        ExpressionAttributeValues: condition.values,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return { ok: true, attributes: undefined };
    } catch (err) {
      if (!isConditionFailure(err)) this.fail('put', err);
      this.counters.conditionFailures += 1;
      return { ok: false, item: err.Item ? unmarshall(err.Item) : undefined };
    }
  }

  /**
   * Up to 25 conditional single-item writes in one call (see `executeStatements`): outcomes in
   * order, an `InfrastructureError` in the place of a statement that failed for good. Throws
   * `StatementsUnsupportedError` when the endpoint has no PartiQL, an `InfrastructureError` when
   * the call fails.
   */
  async writeStatements(statements: readonly WriteStatement[]): Promise<(StatementOutcome | InfrastructureError)[]> {
    this.counters.writes += statements.length;
    try {
      const out = await executeStatements(this.wire, statements);
      this.counters.conditionFailures += out.filter((o) => o === 'duplicate' || o === 'refused').length;
      return out;
    } catch (err) {
      if (err instanceof StatementsUnsupportedError) throw err;
      return this.fail('batched write', err);
    }
  }

  /** Deletes an item; returns the deleted item, undefined when there was none. */
  async delete(key: TableKey): Promise<Item | undefined> {
    this.counters.writes += 1;
    try {
      const out = await this.send('DeleteItem', { Key: keyOf(key), ReturnValues: 'ALL_OLD' });
      return fromWire(out['Attributes']);
    } catch (err) {
      return this.fail('delete', err);
    }
  }

  async get(key: TableKey): Promise<Item | undefined> {
    this.counters.reads += 1;
    try {
      const out = await this.send('GetItem', { Key: keyOf(key), ConsistentRead: true });
      return fromWire(out['Item']);
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
        const out = await this.wire.call('BatchGetItem', {
          RequestItems: { [this.table]: { Keys: keys.map((k) => marshall(k)), ConsistentRead: true } },
        });
        const responses = (out['Responses'] as Record<string, WireItem[]> | undefined)?.[this.table] ?? [];
        for (const raw of responses) {
          const item = unmarshall(raw);
          found.set(String(item['pk']), item);
        }
        const unprocessed = (out['UnprocessedKeys'] as Record<string, { Keys?: WireItem[] }> | undefined)?.[this.table]?.Keys ?? [];
        keys = unprocessed.map((k) => unmarshall(k) as { pk: string });
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
        const out = await this.send('Scan', { ConsistentRead: true, ExclusiveStartKey: start });
        items.push(...itemsOf(out));
        start = fromWire(out['LastEvaluatedKey']);
      } catch (err) {
        this.fail('scan', err);
      }
    } while (start);
    return items;
  }

  /**
   * A query, paged with ExclusiveStartKey until `limits.maxItems` matched (DynamoDB applies `Limit`
   * before a FilterExpression, so one page may match nothing), `limits.maxScanned` items were read,
   * or the end. With Select COUNT, `count` sums the pages.
   */
  async query(input: Omit<QueryCommandInput, 'TableName'>, limits: QueryLimits = {}): Promise<QueryResult> {
    const items: Item[] = [];
    let count = 0;
    let scanned = 0;
    let start = input.ExclusiveStartKey;
    let page = 0;
    do {
      this.counters.reads += 1;
      const want = limits.maxItems === undefined ? undefined : limits.maxItems - items.length;
      const room = limits.maxScanned === undefined ? undefined : limits.maxScanned - scanned;
      // Without a filter every read item matches: ask for no more than are wanted. With one, a
      // little more than are wanted, doubling page by page while too few match: one page that
      // read `maxScanned` items at once returned hundreds when a few were wanted (profiled: most
      // of a loaded scheduler's response parsing).
      const pageLimit = input.FilterExpression
        ? Math.min(room ?? Infinity, want === undefined ? Infinity : Math.max(want + 4, Math.ceil(want * 1.25)) * 2 ** page)
        : Math.min(want ?? Infinity, room ?? Infinity);
      page += 1;
      try {
        const out = await this.send('Query', {
          ...input,
          ExclusiveStartKey: start,
          Limit: pageLimit === undefined || pageLimit === Infinity ? input.Limit : Math.max(1, Math.min(pageLimit, input.Limit ?? Infinity)),
        });
        items.push(...itemsOf(out));
        count += Number(out['Count'] ?? 0);
        scanned += Number(out['ScannedCount'] ?? 0);
        start = fromWire(out['LastEvaluatedKey']);
      } catch (err) {
        this.fail('query', err);
      }
    } while (
      start &&
      (limits.maxItems === undefined || items.length < limits.maxItems) &&
      (limits.maxScanned === undefined || scanned < limits.maxScanned)
    );
    if (limits.maxItems !== undefined && items.length > limits.maxItems) items.length = limits.maxItems;
    return { items, count: input.Select === 'COUNT' ? count : items.length, lastKey: start };
  }
}
