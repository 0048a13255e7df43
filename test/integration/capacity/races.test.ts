import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { leaseKey, shardKey } from '../../../lib/capacity/items.js';
import { MAX_LEASES_PER_SHARD } from '../../../lib/capacity/plan.js';
import type { Lease } from '../../../lib/capacity/types.js';
import { model } from '../../unit/capacity/store-contract.js';
import { BACKENDS, createTestTable, openBackend } from './support.js';
import type { Backend, TestTable } from './support.js';

describe.each(BACKENDS)('release, extend and reap racing on %s', (name) => {
  let backend: Backend;
  let table: TestTable;
  let now = 1_800_000_000_000;
  beforeAll(async () => {
    backend = await openBackend(name);
    table = await createTestTable(backend.endpoint);
  });
  afterAll(async () => {
    await table?.drop();
    await backend?.close();
  });

  /** The raw shard item: counters must equal the number of leases and never go negative. */
  async function raw(modelId: string): Promise<{ inFlight: number; leases: number }> {
    const doc = DynamoDBDocumentClient.from(table.client);
    const { Item } = await doc.send(new GetCommand({ TableName: table.table, Key: { pk: shardKey(modelId, 0) }, ConsistentRead: true }));
    return { inFlight: Number(Item?.['inFlight']), leases: Object.keys((Item?.['leases'] ?? {}) as object).length };
  }

  async function setup(capacity: number): Promise<{ modelId: string; leases: Lease[] }> {
    const spec = model({ capacity });
    const store = table.store({ clock: () => now });
    await store.putModel(spec);
    const leases = await store.acquireMany({ modelId: spec.id, priority: 'high', leaseId: 'x', estimatedTokens: 0, ttlMs: 1_000 }, capacity);
    expect(leases).toHaveLength(capacity);
    return { modelId: spec.id, leases };
  }

  it('counts a concurrent double release once', async () => {
    const { modelId, leases } = await setup(10);
    const results = await Promise.all(leases.flatMap((l) => [table.store().release(l), table.store().release(l)]));
    expect(results.filter(Boolean)).toHaveLength(10);
    expect(await raw(modelId)).toEqual({ inFlight: 0, leases: 0 });
  });

  it('counts every slot exactly once when three reapers race the holders releasing', async () => {
    const { modelId, leases } = await setup(30);
    now += 1_001;
    const stores = [table.store({ clock: () => now }), table.store({ clock: () => now }), table.store({ clock: () => now })];
    const [released, ...reaps] = await Promise.all([
      Promise.all(leases.map((l, i) => stores[i % 3]!.release(l))),
      ...stores.map((s) => s.reap()),
    ]);
    const reclaimed = reaps.reduce((n, r) => n + r.reclaimed, 0);
    expect(released.filter(Boolean).length + reclaimed).toBe(30);
    expect(await raw(modelId)).toEqual({ inFlight: 0, leases: 0 });
    expect((await stores[0]!.getModel(modelId))?.state.reaped).toBe(reclaimed);
    // Whatever was reaped cannot be released again.
    expect((await Promise.all(leases.map((l) => stores[0]!.release(l)))).filter(Boolean)).toHaveLength(0);
  });

  it('keeps an extended lease and reaps the rest when extend races the reaper', async () => {
    const { modelId, leases } = await setup(20);
    now += 1_001;
    const store = table.store({ clock: () => now });
    const [extended, reap] = await Promise.all([Promise.all(leases.map((l) => store.extend(l, 60_000))), table.store({ clock: () => now }).reap()]);
    const kept = extended.filter(Boolean).length;
    expect(kept + reap.reclaimed).toBe(20);
    expect(await raw(modelId)).toEqual({ inFlight: kept, leases: kept });
    expect((await store.reap()).reclaimed).toBe(0);
  });

  it(`holds ${MAX_LEASES_PER_SHARD} leases of the largest size in one item (the documented maximum per shard)`, async () => {
    const spec = model({ capacity: MAX_LEASES_PER_SHARD, tpm: 99_999_999 });
    const store = table.store({ clock: () => now });
    await store.putModel(spec);
    // Fill the item directly with MAX − 1 leases whose numbers have the most digits they can have…
    const leases: Record<string, unknown> = {};
    for (let i = 0; i < MAX_LEASES_PER_SHARD - 1; i++) {
      leases[leaseKey(`filler-${i}`)] = { e: 9_999_999_999_999, p: 'm', t: 9_999_999, w: 99_999_999, r: 16_777_215 };
    }
    const doc = DynamoDBDocumentClient.from(table.client);
    await doc.send(new UpdateCommand({
      TableName: table.table, Key: { pk: shardKey(spec.id, 0) },
      UpdateExpression: 'SET leases = :l, inFlight = :n',
      ExpressionAttributeValues: { ':l': leases, ':n': MAX_LEASES_PER_SHARD - 1 },
    }));
    // …then the last slot is granted by a normal admission write, and the item is full, not too large.
    const last = await store.acquire({ modelId: spec.id, priority: 'high', leaseId: 'y'.repeat(256), estimatedTokens: 9_999_999 });
    expect(last.granted).toBe(true);
    expect(await store.acquire({ modelId: spec.id, priority: 'high', leaseId: 'z', estimatedTokens: 1 })).toMatchObject({ reason: 'full' });
    expect(await raw(spec.id)).toEqual({ inFlight: MAX_LEASES_PER_SHARD, leases: MAX_LEASES_PER_SHARD });
  });
});
