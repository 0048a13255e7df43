import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ensureCapacityTable } from '../capacity/table.js';
import { AgentResultSchema } from '../contracts/result.js';
import type { AgentResult } from '../contracts/result.js';
import { InfrastructureError } from '../errors/index.js';
import { PUBLISH_GRACE_MS, ledgerItemKey } from './ledger.js';
import type { ClaimOutcome, RequestKey, RequestLedger } from './ledger.js';

/** Items expire (DynamoDB TTL) a week after their last write; conditions never rely on TTL. */
const RETENTION_S = 7 * 24 * 3600;
/** Attribute names the ledger's expressions use (`status` and `owner` are DynamoDB reserved words). */
const LEDGER_NAMES = { '#st': 'status', '#owner': 'owner' };
/** Results are stored gzipped; beyond this they are not stored (the item limit is 400 KB). */
const MAX_STORED_RESULT_BYTES = 350_000;

function encodeResult(result: AgentResult): Uint8Array | undefined {
  const gz = gzipSync(Buffer.from(JSON.stringify(result)));
  return gz.byteLength <= MAX_STORED_RESULT_BYTES ? gz : undefined;
}

function decodeResult(value: unknown): AgentResult | null {
  if (!(value instanceof Uint8Array)) return null;
  try {
    const parsed = AgentResultSchema.safeParse(JSON.parse(gunzipSync(value).toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The idempotency ledger on DynamoDB: every transition is one conditional single-item write. */
export class DynamoRequestLedger implements RequestLedger {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async ensureTable(): Promise<void> {
    // Same key schema as the capacity table (partition key `pk`), plus TTL on `ttl`.
    await ensureCapacityTable(this.client, this.table);
    try {
      await this.client.send(
        new UpdateTimeToLiveCommand({ TableName: this.table, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }),
      );
    } catch {
      // Already enabled, or not implemented by the local emulator: expiry is never relied on.
    }
  }

  async peek(key: RequestKey): Promise<ClaimOutcome | { kind: 'absent' }> {
    return this.outcomeOf(await this.read(key), this.now()) ?? { kind: 'absent' };
  }

  private async read(key: RequestKey): Promise<Record<string, unknown> | undefined> {
    try {
      const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: ledgerItemKey(key) }, ConsistentRead: true }));
      return out.Item;
    } catch (err) {
      throw new InfrastructureError('request ledger read failed', { cause: err });
    }
  }

  /**
   * The item a failed conditional write found: from the error where the service returns it
   * (DynamoDB, DynamoDB Local), else read back (dynalite ignores ReturnValuesOnConditionCheckFailure).
   */
  private async oldItem(err: ConditionalCheckFailedException, key: RequestKey): Promise<Record<string, unknown> | undefined> {
    return err.Item ? unmarshall(err.Item) : this.read(key);
  }

  async peekMany(keys: readonly RequestKey[]): Promise<(ClaimOutcome | { kind: 'absent' })[]> {
    const items = new Map<string, Record<string, unknown>>();
    const pks = [...new Set(keys.map(ledgerItemKey))];
    // BatchGetItem takes 100 keys; unprocessed keys (throttling) are asked for again.
    for (let i = 0; i < pks.length; i += 100) {
      let pending: Record<string, unknown>[] = pks.slice(i, i + 100).map((pk) => ({ pk }));
      for (let round = 0; pending.length > 0; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1_000, 25 * 2 ** round)));
        let out;
        try {
          out = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } } }));
        } catch (err) {
          throw new InfrastructureError('request ledger read failed', { cause: err });
        }
        for (const item of out.Responses?.[this.table] ?? []) items.set(String(item['pk']), item);
        pending = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as Record<string, unknown>[];
        if (round > 8 && pending.length > 0) throw new InfrastructureError('request ledger read kept being throttled');
      }
    }
    const now = this.now();
    return keys.map((k) => this.outcomeOf(items.get(ledgerItemKey(k)), now) ?? { kind: 'absent' });
  }

  /** The outcome an existing item implies for a new claimer; undefined when it may be claimed. */
  private outcomeOf(item: Record<string, unknown> | undefined, now: number): ClaimOutcome | undefined {
    if (!item) return undefined;
    const until = Number(item['claimExp'] ?? 0);
    if (item['status'] === 'in_progress') return until < now ? undefined : { kind: 'busy', until };
    // Stored, and its completer is still within its grace to publish it.
    if (item['status'] === 'completed' && until >= now) return { kind: 'busy', until };
    return { kind: 'done', result: decodeResult(item['res']), published: item['status'] === 'published' };
  }

  async claim(key: RequestKey, owner: string, ttlMs: number, retries = 3): Promise<ClaimOutcome> {
    const now = this.now();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: ledgerItemKey(key) },
          UpdateExpression: 'SET #st = :prog, #owner = :owner, claimExp = :exp, rid = :rid, cid = :cid, #ttl = :ttl',
          // New, or a claim whose holder died (expired), or our own claim (a retried write).
          ConditionExpression: 'attribute_not_exists(pk) OR (#st = :prog AND (claimExp < :now OR #owner = :owner))',
          ExpressionAttributeNames: { '#st': 'status', '#owner': 'owner', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':prog': 'in_progress', ':owner': owner, ':exp': now + ttlMs, ':now': now,
            ':rid': key.id, ':cid': key.correlationId, ':ttl': Math.floor(now / 1000) + RETENTION_S,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed' };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw new InfrastructureError('request ledger claim failed', { cause: err });
      const old = await this.oldItem(err, key);
      if (!old) {
        // Deleted in between (an abandon): try again.
        if (retries > 0) return this.claim(key, owner, ttlMs, retries - 1);
        return { kind: 'busy', until: now };
      }
      return this.outcomeOf(old, now) ?? { kind: 'busy', until: now };
    }
  }

  async extend(key: RequestKey, owner: string, ttlMs: number): Promise<boolean> {
    return this.conditionalUpdate(key, 'claim extension', {
      update: 'SET claimExp = :exp',
      condition: '#st = :prog AND #owner = :owner',
      values: { ':prog': 'in_progress', ':owner': owner, ':exp': this.now() + ttlMs },
    });
  }

  async complete(key: RequestKey, result: AgentResult, owner: string): Promise<boolean> {
    const res = encodeResult(result);
    // First completer wins: a slower invocation that lost its (expired) claim must not publish.
    // claimExp now bounds the completer's grace to publish before others may.
    return this.conditionalUpdate(key, 'complete', {
      update: `SET #st = :done, #owner = :owner, claimExp = :grace${res ? ', res = :res' : ''}`,
      condition: '#st = :prog',
      values: {
        ':done': 'completed', ':prog': 'in_progress', ':owner': owner, ':grace': this.now() + PUBLISH_GRACE_MS,
        ...(res ? { ':res': res } : {}),
      },
    });
  }

  async markPublished(key: RequestKey): Promise<void> {
    await this.conditionalUpdate(key, 'publish mark', {
      update: 'SET #st = :pub REMOVE res, claimExp',
      condition: '#st = :done',
      values: { ':pub': 'published', ':done': 'completed' },
    });
  }

  async abandon(key: RequestKey, owner: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: ledgerItemKey(key) },
          ConditionExpression: '#st = :prog AND #owner = :owner',
          ExpressionAttributeNames: LEDGER_NAMES,
          ExpressionAttributeValues: { ':prog': 'in_progress', ':owner': owner },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw new InfrastructureError('request ledger abandon failed', { cause: err });
      const old = await this.oldItem(err, key);
      if (old?.['status'] !== 'completed' || old['owner'] !== owner) return;
      // Our answer is stored but not published: end our grace so the retried batch publishes it now.
      await this.conditionalUpdate(key, 'abandon', {
        update: 'REMOVE claimExp',
        condition: '#st = :done AND #owner = :owner',
        values: { ':done': 'completed', ':owner': owner },
      });
    }
  }

  /** One conditional UpdateItem on the key's item: false when the condition did not hold. */
  private async conditionalUpdate(key: RequestKey, what: string, op: { update: string; condition: string; values: Record<string, unknown> }): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: ledgerItemKey(key) },
          UpdateExpression: op.update,
          ConditionExpression: op.condition,
          // Only the names an expression uses may be passed.
          ExpressionAttributeNames: Object.fromEntries(Object.entries(LEDGER_NAMES).filter(([n]) => `${op.update} ${op.condition}`.includes(n))),
          ExpressionAttributeValues: op.values,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw new InfrastructureError(`request ledger ${what} failed`, { cause: err });
    }
  }
}
