import { afterEach, describe, expect, it, vi } from 'vitest';
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

describe('Function: keepCallAlive, several calls', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('renews what all running calls of a container hold together: one lease write and one round of claims per tick', async () => {
    // Virtual time: the three calls start at the same instant, so each tick finds all three due.
    vi.useFakeTimers({ now: 1_800_000_000_000 });
    const h = await harness(testConfig([model('a', 3)], { capacity: { lease_ttl_ms: 1_200 }, scheduler: { claim_ttl_ms: 1_200 } }));
    const held = [];
    for (const id of ['k1', 'k2', 'k3']) {
      const r = record({ id, priority: 'high' });
      const entry = buildEntry(r, AgentRequestSchema.parse(JSON.parse(r.value.toString())), 60_000);
      await h.queue.enqueue([entry]);
      const granted = await h.store.acquire({ modelId: 'a', priority: 'high', leaseId: `lease-${id}`, estimatedTokens: 1, ttlMs: 1_200 });
      if (!granted.granted) throw new Error('expected a lease');
      expect((await h.queue.claim(entry.key, `owner-${id}`, 1_200, Date.now())).kind).toBe('claimed');
      held.push({ entry, lease: granted.lease });
    }
    const leaseRounds: number[] = [];
    const claimsAt: number[] = [];
    const extendMany = h.deps.store.extendMany.bind(h.deps.store);
    h.deps.store.extendMany = (leases, ttl) => {
      leaseRounds.push(leases.length);
      return extendMany(leases, ttl);
    };
    const extend = h.deps.queue.extend.bind(h.deps.queue);
    h.deps.queue.extend = (key, owner, ttl, now) => {
      claimsAt.push(now);
      return extend(key, owner, ttl, now);
    };
    const stops = held.map(({ entry, lease }) => keepCallAlive(h.deps, entry.key, `owner-${entry.key.id}`, lease));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await h.queue.lapsed(Date.now(), 10)).toEqual([]);
    expect((await h.store.reap()).reclaimed).toBe(0);
    // Ticks every 200 ms renew at 400 ms (two thirds left): 12 rounds in 5 s, each of all three.
    expect(leaseRounds).toEqual(Array.from({ length: 12 }, () => 3));
    expect(claimsAt).toHaveLength(36);
    expect(new Set(claimsAt).size).toBe(12);
    for (const stop of stops) stop();
    await vi.advanceTimersByTimeAsync(1_300);
    expect(leaseRounds).toHaveLength(12);
    expect((await h.store.reap()).reclaimed).toBe(3);
    expect((await h.queue.lapsed(Date.now(), 10)).map((i) => i.key.id).sort()).toEqual(['k1', 'k2', 'k3']);
  });
});
