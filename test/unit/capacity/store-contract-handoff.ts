import { describe, expect, it } from 'vitest';
import type { CapacityStore } from '../../../lib/capacity/types.js';
import { fixture, ok, serverError } from './contract-fixture.js';
import type { ContractBackend } from './contract-fixture.js';

/** Writes issued so far, for the stores that count them (the DynamoDB adapter). */
function writes(store: CapacityStore): number | undefined {
  const counters = (store as { counters?: { writes: number } }).counters;
  return counters?.writes;
}

/** `handOff`: part of the `CapacityStore` contract (see store-contract.ts). */
export function handOffContract(backend: () => ContractBackend): void {
  describe('hand-off', () => {
    it('gives a finished call\'s slot to the next request in one write: in-flight unchanged, call recorded', async () => {
      // capacity 3: medium may hold 2, the two held now included.
      const { store, input, grab, state } = await fixture(backend(), { capacity: 3 });
      const first = await grab();
      await grab();
      const before = writes(store);
      const out = await store.handOff(first, { ...ok, latencyMs: 120 }, input({ priority: 'medium' }));
      if (before !== undefined) expect(writes(store)! - before).toBe(1);
      expect(out).toMatchObject({ granted: true, lease: { modelId: first.modelId, shard: first.shard, priority: 'medium' } });
      expect(await state()).toMatchObject({ inFlight: 2, liveLeases: 2, processed: 1, avgLatencyMs: 120, tokensIn: 10, tokensOut: 5 });
      expect(await store.release(first)).toBe(false);
      if (!out.granted) return;
      expect(await store.release(out.lease)).toBe(true);
      expect((await state()).inFlight).toBe(1);
    });

    it('refuses a lower priority above its share and releases the old lease, then admits it within the share', async () => {
      // capacity 4: low may hold 3.
      const { store, input, grab, state } = await fixture(backend(), { capacity: 4 });
      const leases = [await grab(), await grab(), await grab(), await grab()];
      const refused = await store.handOff(leases[0]!, ok, input({ priority: 'low' }));
      expect(refused).toMatchObject({ granted: false, reason: 'full', released: true });
      expect(await state()).toMatchObject({ inFlight: 3, liveLeases: 3, processed: 1 });
      const handed = await store.handOff(leases[1]!, ok, input({ priority: 'low' }));
      expect(handed).toMatchObject({ granted: true, lease: { priority: 'low' } });
      expect(await state()).toMatchObject({ inFlight: 3, processed: 2 });
    });

    it('is harmless twice or after the reaper: nothing freed twice, nothing granted', async () => {
      const { store, clock, input, grab, state } = await fixture(backend(), { capacity: 3 });
      const lease = await grab();
      expect((await store.handOff(lease, ok, input())).granted).toBe(true);
      expect(await store.handOff(lease, ok, input())).toEqual({ granted: false, reason: 'lease_gone', released: false });
      expect(await state()).toMatchObject({ inFlight: 1, processed: 1 });
      const doomed = await grab({ ttlMs: 1_000 });
      clock.now += 1_001;
      await store.extend((await grab()), 60_000);
      expect((await store.reap()).reclaimed).toBe(1);
      expect(await store.handOff(doomed, ok, input())).toMatchObject({ granted: false, reason: 'lease_gone', released: false });
      expect(await state()).toMatchObject({ reaped: 1 });
    });

    it('frees a slot once when a hand-off races a release of the same lease', async () => {
      const { store, input, grab, state } = await fixture(backend(), { capacity: 3 });
      for (let i = 0; i < 5; i++) {
        const lease = await grab();
        const [handed, released] = await Promise.all([store.handOff(lease, ok, input()), store.release(lease, ok)]);
        // Exactly one of them took the lease: it was handed on (and the release found nothing) or freed.
        expect(handed.granted !== released).toBe(true);
        if (handed.granted) expect(await store.release(handed.lease)).toBe(true);
        else expect(handed).toMatchObject({ reason: 'lease_gone', released: false });
      }
      expect(await state()).toMatchObject({ inFlight: 0, liveLeases: 0, processed: 5 });
    });

    it('starts no call on a model the finished call cools down, and releases the slot', async () => {
      const { store, input, grab, state } = await fixture(backend(), { capacity: 5 });
      await store.release(await grab(), serverError);
      await store.release(await grab(), serverError);
      // The third consecutive failure reaches the threshold (3): the model cools down.
      const third = await store.handOff(await grab(), serverError, input());
      expect(third).toMatchObject({ granted: false, reason: 'cooldown', released: true });
      expect(await state()).toMatchObject({ inFlight: 0, consecutiveFailures: 3 });
      expect((await state()).cooldownUntil).toBeGreaterThan(0);
    });

    it('hands on after a failure below the cooldown threshold, never after a 429', async () => {
      const { store, clock, input, grab, state } = await fixture(backend(), { capacity: 5 });
      const out = await store.handOff(await grab(), serverError, input());
      expect(out.granted).toBe(true);
      expect(await state()).toMatchObject({ inFlight: 1, errors: 1, consecutiveFailures: 1 });
      const limited = await store.handOff(await grab(), { ...serverError, failure: 'rate_limited', retryAfterMs: 2_000 }, input());
      expect(limited).toMatchObject({ granted: false, reason: 'cooldown', released: true });
      expect((await state()).cooldownUntil).toBe(clock.now + 2_000);
    });

    it('applies the next request\'s rate limits, reconciling the finished call\'s tokens first', async () => {
      const { store, input, grab, state } = await fixture(backend(), { capacity: 10, rpm: 3, tpm: 1_000 });
      const a = await grab({ estimatedTokens: 600 });
      // 600 reserved, 100 used: the refund makes room for another 600 in the same write.
      const out = await store.handOff(a, { ...ok, promptTokens: 50, completionTokens: 50 }, input({ estimatedTokens: 600 }));
      expect(out.granted).toBe(true);
      expect(await state()).toMatchObject({ inFlight: 1, windowRequests: 2, windowTokens: 700 });
      if (!out.granted) return;
      await grab({ estimatedTokens: 0 });
      const over = await store.handOff(out.lease, { ...ok, promptTokens: 300, completionTokens: 300 }, input({ estimatedTokens: 10 }));
      expect(over).toMatchObject({ granted: false, reason: 'rate_limited', released: true });
      expect(await state()).toMatchObject({ inFlight: 1, windowRequests: 3, windowTokens: 700 });
    });
  });
}
