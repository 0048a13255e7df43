import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, model, ok, serverError } from './contract-fixture.js';
import type { ContractBackend } from './contract-fixture.js';
import { handOffContract } from './store-contract-handoff.js';

export { T0, model } from './contract-fixture.js';
export type { ContractBackend } from './contract-fixture.js';

/**
 * The behaviour every `CapacityStore` must have. Run on the in-memory store (unit) and on DynamoDB
 * Local and dynalite (integration), so the adapters cannot drift apart.
 */
export function capacityStoreContract(name: string, setup: () => Promise<ContractBackend>): void {
  describe(`CapacityStore contract: ${name}`, () => {
    let backend: ContractBackend;
    beforeAll(async () => {
      backend = await setup();
    });

    describe('registry', () => {
      it('stores a model and lists it with an idle live state', async () => {
        const { store, m, state } = await fixture(backend, { rpm: 100, weight: 2 });
        expect((await store.getModel(m.id))?.spec).toEqual(m);
        expect((await store.listModels()).map((s) => s.spec.id)).toContain(m.id);
        expect(await state()).toMatchObject({ inFlight: 0, liveLeases: 0, processed: 0, cooldownUntil: 0 });
      });

      it('keeps live state when a model is updated', async () => {
        const { store, m, grab, state } = await fixture(backend);
        await grab();
        await store.putModel({ ...m, weight: 3, capacity: 6 });
        expect((await store.getModel(m.id))?.spec.weight).toBe(3);
        expect((await state()).inFlight).toBe(1);
      });

      it('removes a model: admission then refuses it as unknown', async () => {
        const { store, m, input } = await fixture(backend);
        expect(await store.removeModel(m.id)).toBe(true);
        expect(await store.removeModel(m.id)).toBe(false);
        expect(await store.getModel(m.id)).toBeUndefined();
        expect(await store.acquire(input())).toMatchObject({ granted: false, reason: 'unknown_model' });
      });

      it('rejects a model whose shard would hold more leases than an item can', async () => {
        const { store } = await fixture(backend);
        await expect(store.putModel(model({ capacity: 20_000, shards: 2 }))).rejects.toThrow(/shards >= 4/);
      });
    });

    describe('admission', () => {
      it('grants at most capacity and refuses the rest as full', async () => {
        const { store, input, state } = await fixture(backend, { capacity: 3 });
        const outcomes = [];
        for (let i = 0; i < 5; i++) outcomes.push(await store.acquire(input()));
        expect(outcomes.map((o) => o.granted)).toEqual([true, true, true, false, false]);
        expect(outcomes[4]).toMatchObject({ granted: false, reason: 'full' });
        expect(await state()).toMatchObject({ inFlight: 3, liveLeases: 3 });
      });

      it('never grants more than capacity when 20 acquires race', async () => {
        const { store, input, state } = await fixture(backend, { capacity: 5 });
        const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.acquire(input())));
        expect(outcomes.filter((o) => o.granted)).toHaveLength(5);
        expect((await state()).inFlight).toBe(5);
      });

      it('refuses low priority on a model full of high-priority work, and admits it when idle', async () => {
        const { store, input, grab } = await fixture(backend, { capacity: 4 });
        expect(await store.acquire(input({ priority: 'low' }))).toMatchObject({ granted: true });
        // capacity 4: low may use 3 (75 %), medium 3 (90 % → 3), high 4.
        const leases = [await grab(), await grab(), await grab()];
        expect(await store.acquire(input({ priority: 'low' }))).toMatchObject({ granted: false, reason: 'full' });
        expect(await store.acquire(input({ priority: 'medium' }))).toMatchObject({ granted: false, reason: 'full' });
        for (const l of leases) await store.release(l);
        expect(await store.acquire(input({ priority: 'low' }))).toMatchObject({ granted: true });
      });

      it('keeps the priority shares of a model of capacity 10: high 10, medium 9, low 7', async () => {
        const { store, input } = await fixture(backend, { capacity: 10 });
        const count = async (priority: 'high' | 'medium' | 'low'): Promise<number> =>
          (await store.acquireMany(input({ priority }), 20)).length;
        expect(await count('low')).toBe(7);
        expect(await count('medium')).toBe(2);
        expect(await count('high')).toBe(1);
        expect(await count('high')).toBe(0);
      });

      it('serves low priority on an idle model of capacity 1', async () => {
        const { store, input } = await fixture(backend, { capacity: 1 });
        const first = await store.acquire(input({ priority: 'low' }));
        expect(first.granted).toBe(true);
        expect(await store.acquire(input({ priority: 'high' }))).toMatchObject({ granted: false, reason: 'full' });
      });

      it('refuses a lease id that is already held', async () => {
        const { store, input } = await fixture(backend);
        const req = input();
        expect((await store.acquire(req)).granted).toBe(true);
        expect(await store.acquire(req)).toMatchObject({ granted: false, reason: 'duplicate_lease' });
      });

      it('grants several slots in one call up to what the priority may use', async () => {
        const { store, input, state } = await fixture(backend, { capacity: 5 });
        const leases = await store.acquireMany(input({ priority: 'medium' }), 10);
        expect(leases).toHaveLength(4);
        expect(new Set(leases.map((l) => l.leaseId)).size).toBe(4);
        expect((await state()).inFlight).toBe(4);
        for (const l of leases) expect(await store.release(l)).toBe(true);
        expect((await state()).inFlight).toBe(0);
      });
    });

    describe('release, extend and reap', () => {
      it('admits nothing after capacity is lowered until the calls in flight drop below it', async () => {
        const { store, m, input, grab } = await fixture(backend, { capacity: 4 });
        const leases = [await grab(), await grab(), await grab()];
        await store.putModel({ ...m, capacity: 2 });
        expect(await store.acquire(input())).toMatchObject({ granted: false, reason: 'full' });
        await store.release(leases[0]!);
        expect(await store.acquire(input())).toMatchObject({ granted: false, reason: 'full' });
        await store.release(leases[1]!);
        expect((await store.acquire(input())).granted).toBe(true);
      });

      it('releases once: a second release changes nothing', async () => {
        const { store, grab, state } = await fixture(backend);
        const lease = await grab();
        expect(await store.release(lease, ok)).toBe(true);
        expect(await store.release(lease, ok)).toBe(false);
        expect(await state()).toMatchObject({ inFlight: 0, processed: 1 });
      });

      it('reclaims an expired lease exactly once, and a later release is a no-op', async () => {
        const { store, clock, grab, state } = await fixture(backend);
        const lease = await grab();
        await grab({ ttlMs: 60_000 });
        expect((await store.reap()).reclaimed).toBe(0);
        clock.now += 10_001;
        const first = await store.reap();
        expect(first.reclaimed).toBeGreaterThanOrEqual(1);
        expect((await store.reap()).reclaimed).toBe(0);
        expect(await store.release(lease)).toBe(false);
        expect(await state()).toMatchObject({ inFlight: 1, liveLeases: 1, reaped: 1 });
      });

      it('extends a lease so the reaper leaves it alone; a released lease cannot be extended', async () => {
        const { store, clock, grab, state } = await fixture(backend);
        const lease = await grab();
        clock.now += 9_000;
        expect(await store.extend(lease, 10_000)).toBe(true);
        expect(lease.expiresAt).toBe(clock.now + 10_000);
        clock.now += 5_000;
        await store.reap();
        expect((await state()).inFlight).toBe(1);
        expect(await store.release(lease)).toBe(true);
        expect(await store.extend(lease, 10_000)).toBe(false);
      });

      it('extends several leases at once across items; a released one is reported gone, the rest kept', async () => {
        const { store, clock, grab, state } = await fixture(backend, { capacity: 8, shards: 2 });
        // Five leases of two shards of 4 slots each: both shards hold some, whichever the store picks.
        const leases = [await grab(), await grab(), await grab(), await grab(), await grab()];
        expect(new Set(leases.map((l) => l.shard)).size).toBe(2);
        clock.now += 9_000;
        expect(await store.extendMany(leases, 10_000)).toEqual([true, true, true, true, true]);
        for (const l of leases) expect(l.expiresAt).toBe(clock.now + 10_000);
        expect(await store.release(leases[1]!)).toBe(true);
        clock.now += 9_000;
        const before = leases[1]!.expiresAt;
        expect(await store.extendMany(leases, 10_000)).toEqual([true, false, true, true, true]);
        expect(leases[1]!.expiresAt).toBe(before);
        clock.now += 5_000;
        expect((await store.reap()).reclaimed).toBe(0);
        expect((await state()).inFlight).toBe(4);
        expect(await store.extendMany([], 10_000)).toEqual([]);
      });

      it('records processed calls, errors, latency and tokens', async () => {
        const { store, grab, state } = await fixture(backend);
        await store.release(await grab(), { ...ok, latencyMs: 100 });
        await store.release(await grab(), { ...ok, latencyMs: 200 });
        await store.release(await grab(), serverError);
        const s = await state();
        expect(s).toMatchObject({ processed: 3, errors: 1, tokensIn: 20, tokensOut: 10, avgLatencyMs: 150 });
        expect(s.ewmaLatencyMs).toBeGreaterThanOrEqual(100);
        expect(s.ewmaLatencyMs).toBeLessThanOrEqual(200);
      });
    });

    describe('cooldown', () => {
      it('cools a model down after repeated failures and brings it back by itself', async () => {
        const { store, clock, grab, input } = await fixture(backend);
        await store.release(await grab(), serverError);
        await store.release(await grab(), serverError);
        expect((await store.acquire(input())).granted).toBe(true);
        await store.release(await grab(), serverError);
        const refused = await store.acquire(input());
        expect(refused).toMatchObject({ granted: false, reason: 'cooldown', retryAfterMs: 1_000 });
        clock.now += 1_001;
        expect((await store.acquire(input())).granted).toBe(true);
      });

      it('honours Retry-After of a 429 at once, bounded by the maximum', async () => {
        const { store, clock, grab, input, state } = await fixture(backend);
        await store.release(await grab(), { ...serverError, failure: 'rate_limited', retryAfterMs: 4_000 });
        expect(await store.acquire(input())).toMatchObject({ reason: 'cooldown', retryAfterMs: 4_000 });
        expect((await state()).cooldownUntil).toBe(clock.now + 4_000);
        clock.now += 4_000;
        await store.release(await grab(), { ...serverError, failure: 'rate_limited', retryAfterMs: 3_600_000 });
        expect(await store.acquire(input())).toMatchObject({ reason: 'cooldown', retryAfterMs: 8_000 });
      });

      it('resets the failure streak on success', async () => {
        const { store, grab, input, state } = await fixture(backend);
        await store.release(await grab(), serverError);
        await store.release(await grab(), serverError);
        await store.release(await grab(), ok);
        await store.release(await grab(), serverError);
        expect((await state()).consecutiveFailures).toBe(1);
        expect((await store.acquire(input())).granted).toBe(true);
      });
    });

    describe('rate limits', () => {
      it('admits rpm requests per minute, then refuses until the next minute', async () => {
        const { store, clock, input } = await fixture(backend, { capacity: 100, rpm: 3 });
        const grants = [];
        for (let i = 0; i < 5; i++) grants.push(await store.acquire(input()));
        expect(grants.map((g) => g.granted)).toEqual([true, true, true, false, false]);
        expect(grants[3]).toMatchObject({ reason: 'rate_limited', retryAfterMs: 59_000 });
        clock.now += 59_000;
        expect((await store.acquire(input())).granted).toBe(true);
      });

      it('reserves estimated tokens against tpm and refunds an overestimate at release', async () => {
        const { store, input, state } = await fixture(backend, { capacity: 100, tpm: 1_000 });
        const a = await store.acquire(input({ estimatedTokens: 600 }));
        expect(a.granted).toBe(true);
        expect(await store.acquire(input({ estimatedTokens: 600 }))).toMatchObject({ reason: 'rate_limited' });
        if (!a.granted) return;
        await store.release(a.lease, { ...ok, promptTokens: 50, completionTokens: 50 });
        expect((await state()).windowTokens).toBe(100);
        expect((await store.acquire(input({ estimatedTokens: 600 }))).granted).toBe(true);
      });

      it('charges usage above the estimate to the window', async () => {
        const { store, input, state } = await fixture(backend, { capacity: 100, tpm: 1_000 });
        const a = await store.acquire(input({ estimatedTokens: 100 }));
        if (!a.granted) throw new Error('expected a grant');
        await store.release(a.lease, { ...ok, promptTokens: 900, completionTokens: 200 });
        expect((await state()).windowTokens).toBe(1_100);
        expect(await store.acquire(input({ estimatedTokens: 1 }))).toMatchObject({ reason: 'rate_limited' });
        expect(await store.acquire(input({ estimatedTokens: 0 }))).toMatchObject({ reason: 'rate_limited' });
      });

      it('lets a request larger than the whole tpm budget run alone in an empty window', async () => {
        const { store, input } = await fixture(backend, { capacity: 100, tpm: 500 });
        expect((await store.acquire(input({ estimatedTokens: 5_000 }))).granted).toBe(true);
        expect(await store.acquire(input({ estimatedTokens: 1 }))).toMatchObject({ reason: 'rate_limited' });
      });
    });

    handOffContract(() => backend);

    describe('shards', () => {
      it('splits capacity and priority limits over shards with exact sums', async () => {
        const { store, input, state } = await fixture(backend, { capacity: 10, shards: 3 });
        expect(await store.acquireMany(input({ priority: 'low' }), 20)).toHaveLength(7);
        expect(await store.acquireMany(input({ priority: 'medium' }), 20)).toHaveLength(2);
        const high = await store.acquireMany(input({ priority: 'high' }), 20);
        expect(high).toHaveLength(1);
        expect(await state()).toMatchObject({ inFlight: 10, liveLeases: 10 });
        expect((await store.acquire(input())).granted).toBe(false);
      });

      it('admits on another shard when one is full, and cools every shard down together', async () => {
        const { store, grab, input } = await fixture(backend, { capacity: 4, shards: 2 });
        const leases = [await grab(), await grab(), await grab(), await grab()];
        expect(new Set(leases.map((l) => l.shard))).toEqual(new Set([0, 1]));
        for (const l of leases.slice(0, 3)) await store.release(l, { ...serverError, failure: 'rate_limited', retryAfterMs: 2_000 });
        expect(await store.acquire(input())).toMatchObject({ granted: false, reason: 'cooldown' });
      });

      it('changes the shard count of an idle model only, keeping the old layout while busy', async () => {
        const { store, m, input, grab, state } = await fixture(backend, { capacity: 4, shards: 2 });
        const lease = await grab();
        await expect(store.putModel({ ...m, shards: 1 })).rejects.toThrow(/idle/);
        expect((await store.getModel(m.id))?.spec.shards).toBe(2);
        expect(await store.acquireMany(input(), 10)).toHaveLength(3);
        expect(await store.release(lease)).toBe(true);
        expect((await state()).inFlight).toBe(3);
      });

      it('reshards an idle model', async () => {
        const { store, m, input, state } = await fixture(backend, { capacity: 4, shards: 2 });
        for (const l of await store.acquireMany(input(), 4)) await store.release(l);
        await store.putModel({ ...m, shards: 1 });
        const leases = await store.acquireMany(input(), 10);
        expect(leases.map((l) => l.shard)).toEqual([0, 0, 0, 0]);
        expect(await state()).toMatchObject({ inFlight: 4 });
      });
    });
  });
}
