import { describe, expect, it } from 'vitest';
import { mergeReports } from '../../../lib/capacity/report.js';
import type { CallReport, Lease, ModelSnapshot } from '../../../lib/capacity/types.js';
import { handOff, prefetchNext } from '../../../lib/scheduler/handoff.js';
import { KEEP_FLEET_MAX_AGE_MS, keepsLease } from '../../../lib/scheduler/keep-lease.js';
import { SnapshotCache } from '../../../lib/scheduler/snapshots.js';
import { harness, longInvocation, model, testConfig } from './fixtures.js';
import type { Harness } from './fixtures.js';
import { entryOf, hold, recordingCalls } from './flow.js';

const ok: CallReport = { ok: true, latencyMs: 10, promptTokens: 3, completionTokens: 4 };
const failed: CallReport = { ok: false, latencyMs: 50, promptTokens: 0, completionTokens: 0, failure: 'server_error' };

/**
 * A busy slot of `modelId` and a request waiting for it: the first finished call releases (the
 * model has not had waiting work yet), the second hands its slot on — the case under test.
 */
async function busySlot(h: Harness, modelId: string): Promise<{ lease: Lease; processedBefore: number }> {
  const calls = h.deps.calls as ReturnType<typeof recordingCalls>;
  const first = await hold(h, modelId);
  await h.queue.enqueue([entryOf({ id: 'warm', correlation_id: 'warm', priority: 'high' }).entry]);
  await handOff(h.deps, first, ok, longInvocation, 0);
  const lease = calls.events[0]!.calls[0]!.lease;
  await h.queue.enqueue([entryOf({ id: 'next', correlation_id: 'next', priority: 'high' }).entry]);
  h.deps.snapshots.invalidate();
  return { lease, processedBefore: (await h.store.getModel(modelId))!.state.processed };
}

describe('Function: handOff (lease kept)', () => {
  it('moves a slot of a healthy, unlimited model on without a capacity write, and the next write records every call', async () => {
    // Prepare
    const h = await harness(testConfig([model('m', 1)]), { wrapCalls: () => recordingCalls(false) });
    const { lease, processedBefore } = await busySlot(h, 'm');

    // Act: the call on `lease` finished; the slot goes to `next`.
    const next = await handOff(h.deps, lease, ok, longInvocation, 0);

    // Assess: same lease, the report carried, nothing recorded yet, still one call in flight.
    expect(next?.item.key.id).toBe('next');
    expect(next?.lease.leaseId).toBe(lease.leaseId);
    expect(next?.unreported).toEqual(ok);
    const state = (await h.store.getModel('m'))!.state;
    expect(state.processed).toBe(processedBefore);
    expect(state.inFlight).toBe(1);

    // Act: `next` finishes too and its slot is released with both calls' statistics.
    await h.store.release(next!.lease, mergeReports(next!.unreported, ok));

    // Assess
    const after = (await h.store.getModel('m'))!.state;
    expect(after.processed).toBe(processedBefore + 2);
    expect(after.inFlight).toBe(0);
    expect(after.avgLatencyMs).toBe(10);
  });

  it('writes the hand-off on a rate-limited model (every request is charged)', async () => {
    // Prepare
    const h = await harness(testConfig([model('m', 1, { rpm: 1_000 })]), { wrapCalls: () => recordingCalls(false) });
    const { lease, processedBefore } = await busySlot(h, 'm');

    // Act
    const next = await handOff(h.deps, lease, ok, longInvocation, 0);

    // Assess: a new lease, the report recorded by the hand-off write.
    expect(next?.item.key.id).toBe('next');
    expect(next?.lease.leaseId).not.toBe(lease.leaseId);
    expect(next?.unreported).toBeUndefined();
    expect((await h.store.getModel('m'))!.state.processed).toBe(processedBefore + 1);
  });
});

describe('Function: keepsLease', () => {
  /** A fleet read `age` ms old. */
  const cache = (age = 0): SnapshotCache => Object.assign(new SnapshotCache({ listModels: () => Promise.resolve([]) }), { ageMs: () => age });
  const config = { config: testConfig([model('m', 2)]), snapshots: cache() };
  const headroom = { config: testConfig([model('m', 2)], { capacity: { priority_shares: { high: 1, medium: 0.9, low: 0.75 } } }), snapshots: cache() };
  const now = 1_000_000;
  const lease: Lease = { leaseId: 'l', modelId: 'm', shard: 0, priority: 'high', estimatedTokens: 1, expiresAt: now + 10_000 };
  const snapshot = (extra: Partial<ModelSnapshot['state']> = {}, spec: Partial<ModelSnapshot['spec']> = {}): ModelSnapshot => ({
    spec: { ...config.config.models[0]!, ...spec },
    state: { inFlight: 1, liveLeases: 1, cooldownUntil: 0, consecutiveFailures: 0, processed: 0, errors: 0, avgLatencyMs: 0, ewmaLatencyMs: 0, tokensIn: 0, tokensOut: 0, ...extra },
  });

  it('keeps a fresh lease of a healthy model after a success', () => {
    expect(keepsLease(config, snapshot(), lease, ok, 'low', now)).toBe(true);
    expect(keepsLease(config, snapshot(), lease, undefined, 'high', now)).toBe(true);
  });

  it('writes after a failure, for a lease past a third of its life, or with many calls unreported', () => {
    expect(keepsLease(config, snapshot(), lease, failed, 'high', now)).toBe(false);
    expect(keepsLease(config, snapshot(), { ...lease, expiresAt: now + 6_000 }, ok, 'high', now)).toBe(false);
    expect(keepsLease(config, snapshot(), lease, { ...ok, calls: 64 }, 'high', now)).toBe(false);
  });

  it('writes when the fleet read is too old to show a cooldown another container just wrote', () => {
    expect(keepsLease({ ...config, snapshots: cache(KEEP_FLEET_MAX_AGE_MS) }, snapshot(), lease, ok, 'high', now)).toBe(true);
    expect(keepsLease({ ...config, snapshots: cache(KEEP_FLEET_MAX_AGE_MS + 1) }, snapshot(), lease, ok, 'high', now)).toBe(false);
  });

  it('writes when the fleet read shows the model cooling, failing or above its capacity', () => {
    expect(keepsLease(config, snapshot({ cooldownUntil: now + 1 }), lease, ok, 'high', now)).toBe(false);
    expect(keepsLease(config, snapshot({ consecutiveFailures: 1 }), lease, ok, 'high', now)).toBe(false);
    expect(keepsLease(config, snapshot({ inFlight: 3 }), lease, ok, 'high', now)).toBe(false);
    expect(keepsLease(config, snapshot({}, { tpm: 10_000 }), lease, ok, 'high', now)).toBe(false);
  });

  it('writes when shares count the slot under another priority', () => {
    expect(keepsLease(headroom, snapshot(), lease, ok, 'low', now)).toBe(false);
    expect(keepsLease(headroom, snapshot(), lease, ok, 'high', now)).toBe(true);
  });
});

describe('Function: mergeReports', () => {
  it('adds successes up and keeps the earlier calls counted in a failure', () => {
    expect(mergeReports(ok, ok)).toEqual({ ok: true, calls: 2, latencyMs: 20, promptTokens: 6, completionTokens: 8 });
    expect(mergeReports(mergeReports(ok, ok), failed)).toEqual({ ...failed, calls: 3, promptTokens: 6, completionTokens: 8 });
    expect(mergeReports(undefined, ok)).toBe(ok);
    expect(() => mergeReports(failed, ok)).toThrow(/written at once/);
  });
});

describe('Function: prefetchNext', () => {
  it('leaves no unhandled rejection when its read fails and nobody waits for it (the table is down)', async () => {
    // Prepare: a busy model (a freed slot found work), then the queue stops answering.
    const h = await harness(testConfig([model('m', 1)]), { wrapCalls: () => recordingCalls(false) });
    await busySlot(h, 'm');
    h.queue.waiting = () => Promise.reject(new Error('queue table query failed: connect ECONNREFUSED'));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);

    // Act: the read starts; the answer's store then fails, so nobody awaits it.
    const prefetch = prefetchNext(h.deps, 'm');
    await new Promise((r) => setTimeout(r, 20));
    process.off('unhandledRejection', onUnhandled);

    // Assess: no unhandled rejection; whoever does await it still sees the failure.
    expect(prefetch).toBeDefined();
    expect(unhandled).toEqual([]);
    await expect(prefetch!.items).rejects.toThrow('ECONNREFUSED');
  });
});
