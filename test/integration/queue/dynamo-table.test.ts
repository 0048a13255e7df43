import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../../lib/capacity/dynamo-client.js';
import { InfrastructureError } from '../../../lib/errors/index.js';
import { DynamoWorkQueue } from '../../../lib/queue/dynamo-queue.js';
import { requestHash, shardOf } from '../../../lib/queue/key.js';
import { ORDER_INDEX, deleteQueueTable, ensureQueueTable } from '../../../lib/queue/table.js';
import { T0, answer, enqueueAll, entry } from '../../unit/queue/queue-fixtures.js';
import { BACKENDS, openBackend } from '../capacity/support.js';
import type { Backend } from '../capacity/support.js';
import type { QueueEntry } from '../../../lib/queue/types.js';
import { uniqueName } from '../support/services.js';

/** What the contract cannot see: the table's layout, the sparse indexes, paging, the TTL. */
describe.each(BACKENDS)('queue table on %s', (name) => {
  let backend: Backend;
  let client: DynamoDBClient;
  let queue: DynamoWorkQueue;
  const table = uniqueName('queue-layout');
  beforeAll(async () => {
    backend = await openBackend(name);
    client = createDynamoClient({ endpoint: backend.endpoint, region: 'us-east-1' });
    // Several processes creating it at once all succeed.
    await Promise.all([1, 2, 3].map(() => ensureQueueTable(client, table)));
    queue = new DynamoWorkQueue(client, table, { shards: 4, retentionS: 3_600 });
  });
  afterAll(async () => {
    await deleteQueueTable(client, table);
    client.destroy();
    await backend.close();
  });

  it('has the documented key schema and local secondary indexes', async () => {
    const t = (await client.send(new DescribeTableCommand({ TableName: table }))).Table!;
    expect(t.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
    const lsis = (t.LocalSecondaryIndexes ?? []).map((i) => ({ name: i.IndexName, keys: i.KeySchema?.map((k) => k.AttributeName) }));
    expect(lsis.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual([
      { name: 'by-order', keys: ['pk', 'ord'] },
      { name: 'by-until', keys: ['pk', 'until'] },
    ]);
  });

  it('keys an item by shard and request hash, and keeps each index only while it applies', async () => {
    const e = entry();
    const sk = requestHash(e.key);
    const key = { pk: `q#${shardOf(sk, 4)}`, sk };
    await enqueueAll(queue, [e]);
    const waiting = await queue.io.get(key);
    expect(waiting).toMatchObject({ state: 'waiting', ord: expect.stringMatching(/^\d{15}#\d{15}#\d{15}#[0-9a-f]{64}$/) as string });
    expect(waiting).not.toHaveProperty('until');
    expect(waiting).not.toHaveProperty('ttl');

    await queue.claim(e.key, 'a', 1_000, T0);
    const running = await queue.io.get(key);
    expect(running).toMatchObject({ state: 'running', owner: 'a', until: T0 + 1_000 });
    expect(running).not.toHaveProperty('ord');

    await queue.complete(e.key, 'a', answer(e.key), 1_000, T0);
    await queue.markPublished(e.key, 'a', T0 + 10);
    const published = await queue.io.get(key);
    expect(published).toMatchObject({ state: 'published', ttl: Math.floor((T0 + 10) / 1000) + 3_600 });
    for (const gone of ['ord', 'until', 'owner', 'req', 'val']) expect(published).not.toHaveProperty(gone);
    expect(published?.['res']).toBeInstanceOf(Uint8Array);
  });

  it('spreads requests over the shards', async () => {
    const entries = [...Array(40).keys()].map(() => entry({ priority: 'low' }));
    await enqueueAll(queue, entries);
    const shards = new Set(entries.map((e) => shardOf(requestHash(e.key), 4)));
    expect(shards.size).toBe(4);
    expect((await queue.waiting({ now: T0, limit: 100, priorities: ['low'] })).length).toBeGreaterThanOrEqual(40);
  });

  it('pages a filtered query until enough items match', async () => {
    // The non-matching ones come first in the order (earlier deadlines), so paging must pass them.
    const inShard0 = (modelId: string, n: number, deadline: number): QueueEntry[] => {
      const out: QueueEntry[] = [];
      while (out.length < n) {
        const e = entry({ priority: 'high', modelId, deadline: deadline + out.length });
        if (shardOf(requestHash(e.key), 4) === 0) out.push(e);
      }
      return out;
    };
    await enqueueAll(queue, [...inShard0('elsewhere', 6, T0), ...inShard0('paged', 3, T0 + 1_000)]);
    const pk = 'q#0';
    const readsBefore = queue.io.counters.reads;
    const res = await queue.io.query(
      {
        IndexName: ORDER_INDEX,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: '#model = :m',
        ExpressionAttributeNames: { '#model': 'model' },
        ExpressionAttributeValues: { ':pk': pk, ':m': 'paged' },
        ConsistentRead: true,
        Limit: 1,
      },
      { maxItems: 2 },
    );
    expect(res.items.map((i) => i['model'])).toEqual(['paged', 'paged']);
    // One item per page: it read past the non-matching ones page by page.
    expect(queue.io.counters.reads - readsBefore).toBeGreaterThan(2);
    expect(res.lastKey).toBeDefined();
  });
});

describe('a table that does not answer', () => {
  let server: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fails the call with a retryable infrastructure error instead of hanging', async () => {
    const { port } = server.address() as AddressInfo;
    const silent = createDynamoClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', requestTimeoutMs: 200 });
    const q = new DynamoWorkQueue(silent, 'silent');
    const err: unknown = await q.get(entry().key).catch((e: unknown) => e);
    silent.destroy();
    expect(err).toBeInstanceOf(InfrastructureError);
    expect(err).toMatchObject({ retryable: true });
  });
});
