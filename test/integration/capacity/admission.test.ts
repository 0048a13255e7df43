import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { shardKey } from '../../../lib/capacity/items.js';
import { model } from '../../unit/capacity/store-contract.js';
import { BACKENDS, createTestTable, openBackend, killWorkers, spawnWorker, startTogether } from './support.js';
import type { Backend, TestTable } from './support.js';

const PROCESSES = 5;
const PER_PROCESS = 10;
const CAPACITY = 5;

/** Largest number of [grant, release] intervals open at one instant. */
function maxOverlap(lines: Record<string, unknown>[]): number {
  const events = lines
    .filter((l) => l['ev'] === 'grant' || l['ev'] === 'release')
    .map((l) => ({ t: Number(l['t']), d: l['ev'] === 'grant' ? 1 : -1 }))
    // At equal times count releases first: those intervals do not overlap.
    .sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of events) {
    open += e.d;
    max = Math.max(max, open);
  }
  return max;
}

describe.each(BACKENDS)('admission across processes on %s', (name) => {
  let backend: Backend;
  let table: TestTable;
  beforeAll(async () => {
    backend = await openBackend(name);
    table = await createTestTable(backend.endpoint);
  });
  afterAll(async () => {
    killWorkers();
    await table?.drop();
    await backend?.close();
  });

  it('never holds more than capacity leases when 50 acquirers from 5 processes race, and serves all 50', async () => {
    const spec = model({ capacity: CAPACITY });
    await table.store().putModel(spec);
    const doc = DynamoDBDocumentClient.from(table.client);

    // Sample the shard item as fast as one reader can while the workers run.
    let sampling = true;
    const samples = { count: 0, maxInFlight: 0, maxLeases: 0, mismatches: 0 };
    const sampler = (async () => {
      while (sampling) {
        const { Item } = await doc.send(new GetCommand({ TableName: table.table, Key: { pk: shardKey(spec.id, 0) }, ConsistentRead: true }));
        const inFlight = Number(Item?.['inFlight']);
        const leases = Object.keys((Item?.['leases'] ?? {}) as object).length;
        samples.count++;
        samples.maxInFlight = Math.max(samples.maxInFlight, inFlight);
        samples.maxLeases = Math.max(samples.maxLeases, leases);
        if (inFlight !== leases || inFlight < 0) samples.mismatches++;
      }
    })();

    const workers = Array.from({ length: PROCESSES }, (_, worker) =>
      spawnWorker('acquirer.ts', {
        endpoint: table.endpoint, table: table.table, modelId: spec.id, mode: 'cycle', worker,
        concurrency: PER_PROCESS, requests: 1, holdMs: 40,
      }),
    );
    await startTogether(workers);
    const done = await Promise.all(workers.map((w) => w.waitFor((l) => l['ev'] === 'done', 90_000)));
    sampling = false;
    await sampler;
    await Promise.all(workers.map((w) => w.exited));

    const lines = workers.flatMap((w) => w.lines);
    expect(lines.filter((l) => l['ev'] === 'grant')).toHaveLength(PROCESSES * PER_PROCESS);
    expect(done.reduce((n, d) => n + Number(d['released']), 0)).toBe(PROCESSES * PER_PROCESS);
    expect(maxOverlap(lines)).toBeLessThanOrEqual(CAPACITY);
    expect(samples.count).toBeGreaterThan(10);
    expect(samples.maxInFlight).toBeLessThanOrEqual(CAPACITY);
    expect(samples.maxLeases).toBeLessThanOrEqual(CAPACITY);
    expect(samples.mismatches).toBe(0);
    expect((await table.store().getModel(spec.id))?.state).toMatchObject({ inFlight: 0, liveLeases: 0, processed: 50 });
  });

  it('holds priority shares under contention: low is refused while high fills the model, admitted once idle', async () => {
    const spec = model({ capacity: 4 });
    const store = table.store();
    await store.putModel(spec);
    const high = Array.from({ length: 8 }, (_, i) => store.acquire({ modelId: spec.id, priority: 'high', leaseId: `h${i}`, estimatedTokens: 0 }));
    const low = Array.from({ length: 8 }, (_, i) => store.acquire({ modelId: spec.id, priority: 'low', leaseId: `l${i}`, estimatedTokens: 0 }));
    const outcomes = await Promise.all([...high, ...low]);
    const grantedLow = outcomes.slice(8).filter((o) => o.granted).length;
    const grantedHigh = outcomes.slice(0, 8).filter((o) => o.granted).length;
    // Low may hold at most 3 of 4 slots (75 %); all 4 are taken in any case.
    expect(grantedLow).toBeLessThanOrEqual(3);
    expect(grantedLow + grantedHigh).toBe(4);
    expect(await store.acquire({ modelId: spec.id, priority: 'low', leaseId: 'late', estimatedTokens: 0 })).toMatchObject({ granted: false, reason: 'full' });
    for (const o of outcomes) if (o.granted) await store.release(o.lease);
    expect((await store.acquire({ modelId: spec.id, priority: 'low', leaseId: 'idle', estimatedTokens: 0 })).granted).toBe(true);
  });

  it('reads past attributes an older version left on a shard item (demand_h, demand_m): they hold nothing back', async () => {
    const spec = model({ capacity: 4 });
    const store = table.store();
    await store.putModel(spec);
    const until = Date.now() + 600_000;
    await DynamoDBDocumentClient.from(table.client).send(new UpdateCommand({
      TableName: table.table, Key: { pk: shardKey(spec.id, 0) },
      UpdateExpression: 'SET demand_h = :u, demand_m = :u', ExpressionAttributeValues: { ':u': until },
    }));
    const low = await store.acquire({ modelId: spec.id, priority: 'low', leaseId: 'legacy-1', estimatedTokens: 0 });
    if (!low.granted) throw new Error(`expected a grant, got ${low.reason}`);
    const report = { ok: true, latencyMs: 10, promptTokens: 1, completionTokens: 1 } as const;
    const next = await store.handOff(low.lease, report, { modelId: spec.id, priority: 'low', leaseId: 'legacy-2', estimatedTokens: 0 });
    expect(next).toMatchObject({ granted: true, lease: { priority: 'low' } });
    const state = (await store.getModel(spec.id))?.state;
    expect(state).toMatchObject({ inFlight: 1, processed: 1 });
    expect(Object.keys(state ?? {})).not.toContain('demandUntil');
  });
});
