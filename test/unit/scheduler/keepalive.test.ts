import { describe, expect, it } from 'vitest';
import { AgentRequestSchema } from '../../../lib/contracts/request.js';
import { buildEntry } from '../../../lib/scheduler/entry.js';
import { keepCallAlive } from '../../../lib/scheduler/keepalive.js';
import { harness, model, record, testConfig } from './fixtures.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Function: keepCallAlive', () => {
  it("keeps a running call's lease and short claim alive, and lets both lapse once stopped", async () => {
    const h = await harness(testConfig([model('a', 1)], { capacity: { lease_ttl_ms: 1_000 }, scheduler: { claim_ttl_ms: 1_000 } }));
    const r = record({ id: 'kept', priority: 'high' });
    const entry = buildEntry(r, AgentRequestSchema.parse(JSON.parse(r.value.toString())), 60_000);
    await h.queue.enqueue([entry]);
    const granted = await h.store.acquire({ modelId: 'a', priority: 'high', leaseId: 'lease-1', estimatedTokens: 1, ttlMs: 1_000 });
    if (!granted.granted) throw new Error('expected a lease');
    expect((await h.queue.claim(entry.key, 'owner-1', 1_000, Date.now())).kind).toBe('claimed');

    // Renewals every 333 ms tolerate a busy test machine's stalls.
    const stop = keepCallAlive(h.deps, entry.key, 'owner-1', granted.lease);
    await sleep(2_500);
    // Past both original expiries: still held.
    expect(await h.queue.lapsed(Date.now(), 10)).toEqual([]);
    expect((await h.store.reap()).reclaimed).toBe(0);
    stop();
    await sleep(1_300);
    expect((await h.queue.lapsed(Date.now(), 10)).map((i) => i.key.id)).toEqual(['kept']);
    expect((await h.store.reap()).reclaimed).toBe(1);
  });
});
