import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { model } from '../../unit/capacity/store-contract.js';
import { BACKENDS, createTestTable, openBackend, killWorkers, spawnWorker, startTogether } from './support.js';
import type { Backend, TestTable } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.each(BACKENDS)('a holder killed mid-call on %s', (name) => {
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

  it('gets its slots back after expiry and one reap, exactly once, even with two reapers racing', async () => {
    const spec = model({ capacity: 5 });
    const store = table.store();
    await store.putModel(spec);
    const ttlMs = 1_500;
    const worker = spawnWorker('acquirer.ts', {
      endpoint: table.endpoint, table: table.table, modelId: spec.id, mode: 'hold', worker: 0, count: 3, ttlMs,
    });
    await startTogether([worker]);
    const held = await worker.waitFor((l) => l['ev'] === 'held');
    expect(held['leases']).toHaveLength(3);
    worker.child.kill('SIGKILL');
    expect(await worker.exited).toBe('SIGKILL');

    // The dead holder's slots are still taken, and a reap before expiry leaves them alone.
    expect((await store.getModel(spec.id))?.state).toMatchObject({ inFlight: 3, liveLeases: 3 });
    expect((await store.reap()).reclaimed).toBe(0);
    expect((await store.acquireMany({ modelId: spec.id, priority: 'high', leaseId: 'probe', estimatedTokens: 0 }, 5))).toHaveLength(2);

    const expiresAt = Math.max(...(held['leases'] as { expiresAt: number }[]).map((l) => l.expiresAt));
    await sleep(Math.max(0, expiresAt - Date.now()) + 50);
    const [a, b] = await Promise.all([table.store().reap(), table.store().reap()]);
    expect(a.reclaimed + b.reclaimed).toBe(3);
    expect((await store.reap()).reclaimed).toBe(0);
    expect((await store.getModel(spec.id))?.state).toMatchObject({ inFlight: 2, liveLeases: 2, reaped: 3 });
  });
});
