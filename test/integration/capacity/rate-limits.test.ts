import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { model, T0 } from '../../unit/capacity/store-contract.js';
import { BACKENDS, createTestTable, openBackend, killWorkers, spawnWorker, startTogether } from './support.js';
import type { Backend, TestTable } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.each(BACKENDS)('rate limits and cooldown across processes on %s', (name) => {
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

  /** Three processes, each trying `attempts` acquires within one minute (their clocks fixed at T0). */
  async function burst(modelId: string, attempts: number, estimatedTokens: number): Promise<{ granted: number; reasons: Record<string, number> }> {
    const workers = [0, 1, 2].map((worker) =>
      spawnWorker('acquirer.ts', {
        endpoint: table.endpoint, table: table.table, modelId, mode: 'burst', worker, concurrency: 4, attempts, now: T0, estimatedTokens,
      }),
    );
    await startTogether(workers);
    const done = await Promise.all(workers.map((w) => w.waitFor((l) => l['ev'] === 'done', 60_000)));
    await Promise.all(workers.map((w) => w.exited));
    const reasons: Record<string, number> = {};
    for (const d of done) {
      for (const [r, n] of Object.entries(d['reasons'] as Record<string, number>)) reasons[r] = (reasons[r] ?? 0) + n;
    }
    return { granted: done.reduce((n, d) => n + Number(d['granted']), 0), reasons };
  }

  it('admits exactly rpm requests in a minute across 3 processes', async () => {
    const spec = model({ capacity: 100, rpm: 30 });
    await table.store().putModel(spec);
    const { granted, reasons } = await burst(spec.id, 20, 0);
    expect(granted).toBe(30);
    expect(reasons).toEqual({ rate_limited: 30 });
  });

  it('admits exactly the tpm budget of estimated tokens in a minute across 3 processes, over 2 shards', async () => {
    const spec = model({ capacity: 100, tpm: 1_000, shards: 2 });
    await table.store().putModel(spec);
    const { granted, reasons } = await burst(spec.id, 10, 100);
    expect(granted).toBe(10);
    expect(reasons).toEqual({ rate_limited: 20 });
    expect((await table.store({ clock: () => T0 }).getModel(spec.id))?.state.windowTokens).toBe(1_000);
  });

  it('lets a cooled-down model come back by itself, without any write', async () => {
    const spec = model({ capacity: 2 });
    const store = table.store({ cooldown: { failure_threshold: 2, base_ms: 300, max_ms: 1_000 } });
    await store.putModel(spec);
    const input = (leaseId: string) => ({ modelId: spec.id, priority: 'high' as const, leaseId, estimatedTokens: 0 });
    for (const id of ['a', 'b']) {
      const o = await store.acquire(input(id));
      if (!o.granted) throw new Error('expected a grant');
      await store.release(o.lease, { ok: false, latencyMs: 10, promptTokens: 0, completionTokens: 0, failure: 'timeout' });
    }
    const refused = await store.acquire(input('c'));
    expect(refused).toMatchObject({ granted: false, reason: 'cooldown' });
    const writes = store.counters.writes;
    await sleep((refused.granted ? 0 : refused.retryAfterMs ?? 300) + 20);
    expect(store.counters.writes).toBe(writes);
    expect((await store.acquire(input('d'))).granted).toBe(true);
  });
});
