import { describe, expect, it } from 'vitest';
import { AgentRequestSchema } from '../../../lib/contracts/request.js';
import { buildJob } from '../../../lib/scheduler/job.js';
import { keepCallAlive } from '../../../lib/scheduler/keepalive.js';
import { harness, model, record, testConfig } from './fixtures.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Function: keepCallAlive', () => {
  it("keeps a running call's lease and short claim alive, and lets both lapse once stopped", async () => {
    const h = await harness(testConfig([model('a', 1)], { capacity: { lease_ttl_ms: 1_000 } }));
    const r = record({ id: 'kept', priority: 'high' });
    const raw = JSON.parse(r.value.toString()) as Record<string, unknown>;
    const job = buildJob(r, AgentRequestSchema.parse(raw), raw, 60_000);
    const granted = await h.store.acquire({ modelId: 'a', priority: 'high', leaseId: 'lease-1', estimatedTokens: 1, ttlMs: 1_000 });
    if (!granted.granted) throw new Error('expected a lease');
    expect(await h.ledger.claim(job.key, h.deps.ownerId, 1_000)).toEqual({ kind: 'claimed' });

    // Renewals every 333 ms (claim) and 500 ms (lease) tolerate a busy test machine's stalls.
    const stop = keepCallAlive(h.deps, job, granted.lease, 1_000);
    await sleep(2_500);
    // Past both original expiries: still held.
    expect((await h.ledger.peek(job.key)).kind).toBe('busy');
    expect((await h.store.reap()).reclaimed).toBe(0);
    stop();
    await sleep(1_300);
    expect(await h.ledger.peek(job.key)).toEqual({ kind: 'absent' });
    expect((await h.store.reap()).reclaimed).toBe(1);
  });
});
