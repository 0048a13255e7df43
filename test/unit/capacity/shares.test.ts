import { describe, expect, it } from 'vitest';
import { HEADROOM_SHARES, priorityLimit, shardLimits, splitEvenly } from '../../../lib/capacity/shares.js';

describe('priorityLimit', () => {
  it.each([
    // capacity, high, medium, low
    [1, 1, 1, 1],
    [2, 2, 1, 1],
    [3, 3, 2, 2],
    [5, 5, 4, 3],
    [10, 10, 9, 7],
    [100, 100, 90, 75],
  ])('capacity %i: high %i, medium %i, low %i', (capacity, high, medium, low) => {
    expect(priorityLimit(capacity, HEADROOM_SHARES.high)).toBe(high);
    expect(priorityLimit(capacity, HEADROOM_SHARES.medium)).toBe(medium);
    expect(priorityLimit(capacity, HEADROOM_SHARES.low)).toBe(low);
  });

  it('lets every priority use one slot of an idle model, however small the share', () => {
    expect(priorityLimit(1, 0.01)).toBe(1);
    expect(priorityLimit(3, 0.1)).toBe(1);
  });

  it('never rounds a binary fraction below its exact value, nor a real fraction up', () => {
    expect(priorityLimit(100, 0.29)).toBe(29);
    expect(priorityLimit(10, 0.85)).toBe(8);
  });

  it('gives nothing on a shard without capacity', () => {
    expect(priorityLimit(0, 1)).toBe(0);
  });
});

describe('splitEvenly', () => {
  it('gives the remainder to the first parts and always sums exactly', () => {
    expect(splitEvenly(10, 3)).toEqual([4, 3, 3]);
    expect(splitEvenly(3, 4)).toEqual([1, 1, 1, 0]);
    for (let total = 0; total < 50; total++) {
      for (let parts = 1; parts < 8; parts++) expect(splitEvenly(total, parts).reduce((a, b) => a + b)).toBe(total);
    }
  });

  it('is monotone part by part, so priority limits never exceed a shard capacity', () => {
    for (let parts = 1; parts < 8; parts++) {
      for (let a = 0; a < 40; a++) {
        const lo = splitEvenly(a, parts);
        const hi = splitEvenly(a + 1, parts);
        lo.forEach((v, i) => expect(v).toBeLessThanOrEqual(hi[i]!));
      }
    }
  });
});

describe('shardLimits', () => {
  it('rounds once for the whole model, then splits: capacity 10 in 3 shards keeps 9 medium and 7 low slots', () => {
    const shards = shardLimits(10, 3, HEADROOM_SHARES);
    expect(shards.map((s) => s.capacity)).toEqual([4, 3, 3]);
    expect(shards.map((s) => s.limits.high)).toEqual([4, 3, 3]);
    expect(shards.map((s) => s.limits.medium)).toEqual([3, 3, 3]);
    expect(shards.map((s) => s.limits.low)).toEqual([3, 2, 2]);
  });

  it.each([1, 2, 3, 5, 10, 17, 64, 1000])('sums each priority exactly to the model limit and stays within each shard (capacity %i)', (capacity) => {
    for (const shards of [1, 2, 3, 4, 8].filter((n) => n <= capacity)) {
      const layout = shardLimits(capacity, shards, HEADROOM_SHARES);
      expect(layout.reduce((n, s) => n + s.capacity, 0)).toBe(capacity);
      for (const p of ['high', 'medium', 'low'] as const) {
        expect(layout.reduce((n, s) => n + s.limits[p], 0)).toBe(priorityLimit(capacity, HEADROOM_SHARES[p]));
        for (const s of layout) expect(s.limits[p]).toBeLessThanOrEqual(s.capacity);
      }
    }
  });

  it('may leave a shard without low-priority slots; the model still serves low priority', () => {
    const layout = shardLimits(4, 4, HEADROOM_SHARES);
    expect(layout.map((s) => s.limits.low)).toEqual([1, 1, 1, 0]);
  });
});
