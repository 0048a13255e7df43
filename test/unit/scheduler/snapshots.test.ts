import { describe, expect, it } from 'vitest';
import { MemoryCapacityStore } from '../../../lib/capacity/memory-store.js';
import { SnapshotCache } from '../../../lib/scheduler/snapshots.js';
import { model, testConfig } from './fixtures.js';

describe('Class: SnapshotCache', () => {
  it('shows a cooldown this container saw at once, keeps the later of two, and forgets it with the next read', async () => {
    // Prepare: one read of a healthy model, on a clock the test moves.
    let now = 1_000;
    const store = new MemoryCapacityStore();
    await store.putModel(testConfig([model('m', 2)]).models[0]!);
    const cache = new SnapshotCache(store, () => now);
    await cache.get(1_000);

    // Act
    cache.noteCooldown('m', 6_000);
    cache.noteCooldown('m', 3_000);
    now += 100;

    // Assess: the cached read shows the longer cooldown and is 100 ms old; a fresh one shows the table's.
    expect((await cache.get(1_000))[0]!.state.cooldownUntil).toBe(6_000);
    expect(cache.ageMs()).toBe(100);
    expect((await cache.fresh())[0]!.state.cooldownUntil).toBe(0);
    expect(cache.ageMs()).toBe(0);
  });
});
