import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TableIO } from '../capacity/dynamo-io.js';
import type { Priority } from '../contracts/request.js';
import type { AgentResult } from '../contracts/result.js';
import { decodeItem, encodeItem, namesOf, retryAttributes } from './dynamo-codec.js';
import { extendStatement, markPublishedStatement } from './dynamo-partiql.js';
import { QueueReads } from './dynamo-reads.js';
import type { ItemKey } from './dynamo-codec.js';
import { DEFAULT_AGING_MS, requestHash, shardOf } from './key.js';
import { MAX_PAYLOAD_BYTES, encodeEntryPayload, encodeResult, gzipResult } from './payload.js';
import { ensureQueueTable } from './table.js';
import { QueuePuts } from './dynamo-puts.js';
import { WriteBatcher } from './write-batcher.js';
import type {
  ClaimOutcome, EnqueueOutcome, QueueEntry, QueueItem, RequestKey, RetryState, WaitingQuery, WorkQueue,
} from './types.js';

export interface DynamoWorkQueueOptions {
  /** Partitions (`q#0` … `q#<shards-1>`); every reader and writer must agree. Default 4. */
  shards?: number;
  /** How long a published item is kept (DynamoDB TTL), seconds. Default {@link DEFAULT_RETENTION_S}. */
  retentionS?: number;
  /**
   * The order's aging (`scheduler.aging_ms`, default 30 s; see `virtualTime` in key.ts): part of
   * each item's order key when it is written, so every writer must agree.
   */
  agingMs?: number;
}

/**
 * A published item is kept a day: long enough to recognise any redelivery of a committed batch,
 * short enough that a shard's item collection (10 GB with local indexes) does not cap its rate
 * (lib/queue/README.md, "Storage").
 */
export const DEFAULT_RETENTION_S = 24 * 3600;

/** Attempts of a claim whose item changed between the write and the read of what refused it. */
const CLAIM_ROUNDS = 4;

interface Write {
  update: string;
  condition: string;
  values: Record<string, unknown>;
}

/**
 * The wait queue on DynamoDB (see README.md for the table): every state change is one conditional
 * single-item write — registrations and publish marks issued together go out batched (PartiQL,
 * `WriteBatcher`), each still conditional on its own; reads of the order and of lapsed claims are
 * strongly consistent LSI queries.
 */
export class DynamoWorkQueue implements WorkQueue {
  readonly io: TableIO;
  private readonly reads: QueueReads;
  private readonly batch: WriteBatcher;
  private readonly puts: QueuePuts;
  private readonly shards: number;
  private readonly retentionS: number;
  private readonly agingMs: number;

  constructor(
    private readonly client: DynamoDBClient,
    readonly table: string,
    opts: DynamoWorkQueueOptions = {},
  ) {
    this.io = new TableIO(client, table, { label: 'queue table', missingHint: 'ensureQueueTable() or serverless.yml creates it' });
    this.shards = Math.max(1, Math.floor(opts.shards ?? 4));
    this.retentionS = opts.retentionS ?? DEFAULT_RETENTION_S;
    this.agingMs = opts.agingMs ?? DEFAULT_AGING_MS;
    this.reads = new QueueReads(this.io, [...Array(this.shards).keys()].map((s) => `q#${s}`));
    this.batch = new WriteBatcher(this.io);
    this.puts = new QueuePuts(this.io, this.batch);
  }

  ensureTable(): Promise<void> {
    return ensureQueueTable(this.client, this.table);
  }

  private itemKey(key: RequestKey): ItemKey {
    const sk = requestHash(key);
    return { pk: `q#${shardOf(sk, this.shards)}`, sk };
  }

  private async getItem(key: ItemKey): Promise<QueueItem | undefined> {
    const item = await this.io.get({ ...key });
    return item && decodeItem(item);
  }

  async get(key: RequestKey): Promise<QueueItem | undefined> {
    return this.getItem(this.itemKey(key));
  }

  async enqueue(entries: readonly QueueEntry[]): Promise<EnqueueOutcome[]> {
    // Encode everything first: a too-large entry refuses the batch before anything is written.
    const items = entries.map((e) => encodeItem(this.itemKey(e.key), { ...e, state: 'waiting' }, encodeEntryPayload(e), { agingMs: this.agingMs }));
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      if (!first.has(String(item['sk']))) first.set(String(item['sk']), i);
    });
    const out = await Promise.all(
      items.map((item, i) => (first.get(String(item['sk'])) === i ? this.puts.putNew(item) : Promise.resolve(undefined))),
    );
    // A key given twice in the batch: the later copies find the first.
    return Promise.all(
      out.map(async (o, i) => o ?? this.puts.present(items[i]!)),
    );
  }

  async enqueueClaimed(entry: QueueEntry, owner: string, ttlMs: number, now: number): Promise<EnqueueOutcome> {
    const item = encodeItem(this.itemKey(entry.key), { ...entry, state: 'running', owner, until: now + ttlMs }, encodeEntryPayload(entry), { agingMs: this.agingMs });
    return this.puts.putNew(item);
  }

  async storeAnswer(entry: QueueEntry, result: AgentResult, owner: string, graceMs: number, now: number): Promise<EnqueueOutcome> {
    const payload = encodeEntryPayload(entry);
    const item = encodeItem(this.itemKey(entry.key), { ...entry, state: 'completed', owner, until: now + graceMs }, payload, {
      agingMs: this.agingMs,
      res: encodeResult(result, payload.bytes),
    });
    return this.puts.putNew(item);
  }

  waiting(query: WaitingQuery): Promise<QueueItem[]> {
    return this.reads.waiting(query);
  }

  async claim(key: RequestKey, owner: string, ttlMs: number, now: number): Promise<ClaimOutcome> {
    const k = this.itemKey(key);
    const values = { ':owner': owner, ':until': now + ttlMs, ':now': now };
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      const res = await this.write(k, {
        update: 'SET #state = :running, #owner = :owner, #until = :until REMOVE #ord',
        condition: '(#state = :waiting AND notBefore <= :now) OR (#state = :running AND #until < :now)',
        values: { ...values, ':waiting': 'waiting', ':running': 'running' },
      }, true);
      if (res.ok) return { kind: 'claimed', item: decodeItem(res.attributes!) };
      const old = res.item ?? (await this.io.get({ ...k }));
      if (!old) return { kind: 'absent' };
      const item = decodeItem(old);
      if (item.state === 'published') return { kind: 'published', item };
      if (item.state === 'waiting' && item.notBefore > now) return { kind: 'not_due', until: item.notBefore };
      if (item.state !== 'waiting' && item.until! >= now) return { kind: 'busy', until: item.until! };
      if (item.state === 'completed') {
        // Its completer's publish grace is over: take it over to publish the stored answer.
        const taken = await this.write(k, {
          update: 'SET #owner = :owner, #until = :until',
          condition: '#state = :completed AND #until < :now',
          values: { ...values, ':completed': 'completed' },
        }, true);
        if (taken.ok) return { kind: 'publish', item: decodeItem(taken.attributes!) };
      }
      // It changed between the write and the read: try again with what it is now.
    }
    const last = await this.get(key);
    return { kind: 'busy', until: last?.until ?? now };
  }

  async adopt(key: RequestKey, fromOwner: string, toOwner: string, ttlMs: number, now: number): Promise<QueueItem | undefined> {
    const res = await this.write(this.itemKey(key), {
      update: 'SET #owner = :to, #until = :until',
      condition: '#state = :running AND #owner = :from',
      values: { ':running': 'running', ':from': fromOwner, ':to': toOwner, ':until': now + ttlMs },
    }, true);
    return res.ok ? decodeItem(res.attributes!) : undefined;
  }

  async extend(key: RequestKey, owner: string, ttlMs: number, now: number): Promise<boolean> {
    // Batched: a container renews its running calls' claims together (lib/scheduler/keepalive.ts).
    const k = this.itemKey(key);
    const until = now + ttlMs;
    const outcome = await this.batch.write(extendStatement(this.table, k, owner, until), async () => {
      const res = await this.write(k, {
        update: 'SET #until = :until',
        condition: '#state IN (:running, :completed) AND #owner = :owner',
        values: { ':running': 'running', ':completed': 'completed', ':owner': owner, ':until': until },
      });
      return res.ok ? 'ok' : 'refused';
    });
    return outcome === 'ok';
  }

  async complete(key: RequestKey, owner: string, result: AgentResult, graceMs: number, now: number): Promise<boolean> {
    const k = this.itemKey(key);
    const values = { ':running': 'running', ':completed': 'completed', ':owner': owner, ':until': now + graceMs };
    const condition = '#state = :running AND #owner = :owner';
    const gz = gzipResult(result);
    if (gz.byteLength <= MAX_PAYLOAD_BYTES) {
      // Stored only when it fits next to the request and record (their size is `pbytes`).
      const res = await this.write(k, {
        update: 'SET #state = :completed, #until = :until, res = :res',
        condition: `${condition} AND pbytes <= :room`,
        values: { ...values, ':res': gz, ':room': MAX_PAYLOAD_BYTES - gz.byteLength },
      });
      if (res.ok) return true;
      const old = res.item ?? (await this.io.get({ ...k }));
      if (old?.['state'] !== 'running' || old['owner'] !== owner) return false;
    }
    const res = await this.write(k, { update: 'SET #state = :completed, #until = :until REMOVE res', condition, values });
    return res.ok;
  }

  async markPublished(key: RequestKey, owner: string, now: number): Promise<void> {
    // The answer stays (a redelivery is recognised); the request and the record's value go.
    const k = this.itemKey(key);
    const ttl = Math.floor(now / 1000) + this.retentionS;
    await this.batch.write(markPublishedStatement(this.table, k, owner, ttl), async () => {
      const res = await this.write(k, {
        update: 'SET #state = :published, #ttl = :ttl REMOVE #until, #owner, req, val',
        condition: '#state = :completed AND #owner = :owner',
        values: { ':published': 'published', ':completed': 'completed', ':owner': owner, ':ttl': ttl },
      });
      return res.ok ? 'ok' : 'refused';
    });
  }

  async requeue(key: RequestKey, owner: string, retry: RetryState, _now: number): Promise<boolean> {
    const attrs = retryAttributes(retry);
    const sets = Object.keys(attrs).map((name) => `${name} = :${name}`);
    const res = await this.write(this.itemKey(key), {
      // `okey` keeps the item's order position: back in the order where it was.
      update: `SET #state = :waiting, #ord = okey, ${sets.join(', ')} REMOVE #owner, #until${retry.lastError ? '' : ', lastError'}`,
      condition: '#state = :running AND #owner = :owner',
      values: {
        ':waiting': 'waiting', ':running': 'running', ':owner': owner,
        ...Object.fromEntries(Object.entries(attrs).map(([name, v]) => [`:${name}`, v])),
      },
    });
    return res.ok;
  }

  lapsed(now: number, limit: number): Promise<QueueItem[]> {
    return this.reads.lapsed(now, limit);
  }

  depth(): Promise<Record<Priority, number>> {
    return this.reads.depth();
  }

  /** One conditional UpdateItem (ALL_NEW when `returnNew`); refused, with the item as it was when returned. */
  private write(key: ItemKey, op: Write, returnNew = false): ReturnType<TableIO['update']> {
    return this.io.update({
      Key: { ...key },
      UpdateExpression: op.update,
      ConditionExpression: op.condition,
      ExpressionAttributeNames: namesOf(op.update, op.condition),
      ExpressionAttributeValues: op.values,
      ReturnValues: returnNew ? 'ALL_NEW' : 'NONE',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  }
}
