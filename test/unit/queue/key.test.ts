import { describe, expect, it } from 'vitest';
import { decodeItem, namesOf } from '../../../lib/queue/dynamo-codec.js';
import { competingRank, orderKey, requestHash, shardOf, virtualTime } from '../../../lib/queue/key.js';
import { T0 } from './queue-fixtures.js';

describe('queue keys', () => {
  it('hashes id NUL correlation id like the old ledger (existing items keep their key)', () => {
    expect(requestHash({ id: 'task-1', correlationId: 'corr-1' })).toBe('6da0e017db69bd1dc033564e7ca51be7b2dcf916f7962a3426cb161ce34ef5c8');
    expect(requestHash({ id: 'a', correlationId: 'bc' })).not.toBe(requestHash({ id: 'ab', correlationId: 'c' }));
  });

  it('spreads hashes over every shard, and one shard takes all', () => {
    const shards = [...Array(200).keys()].map((i) => shardOf(requestHash({ id: `t${i}`, correlationId: 'c' }), 8));
    expect(new Set(shards)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(shardOf('ffffffff', 1)).toBe(0);
  });

  it('without aging, builds order keys that sort by priority, then deadline, then first seen', () => {
    const k = (priority: 'high' | 'medium' | 'low', deadline: number, firstSeen: number): string =>
      orderKey({ priority, deadline, firstSeen }, 'h', 0);
    const sorted = [k('low', 1, 1), k('medium', T0 + 10, T0), k('high', T0 + 1, T0 + 5), k('high', T0 + 1, T0 + 2), k('high', 9, 9)].sort();
    expect(sorted).toEqual([k('high', 9, 9), k('high', T0 + 1, T0 + 2), k('high', T0 + 1, T0 + 5), k('medium', T0 + 10, T0), k('low', 1, 1)]);
    expect(k('high', T0, T0)).toBe(`${'0'.repeat(15)}#00${T0}#00${T0}#h`);
    // Out-of-range times clamp instead of breaking the fixed width.
    expect(k('low', -5, 1e20)).toBe(`020000000000000#${'0'.repeat(15)}#${'9'.repeat(15)}#h`);
  });

  it('with aging, sorts by virtual time: arrival plus aging_ms per level below high', () => {
    const aging = 30_000;
    const k = (priority: 'high' | 'medium' | 'low', firstSeen: number, deadline = firstSeen + 60_000): string =>
      orderKey({ priority, deadline, firstSeen }, 'h', aging);
    // A low request that waited just over 60 s leads a high one arriving now; just under, it does not.
    expect(k('low', T0 - 60_001) < k('high', T0)).toBe(true);
    expect(k('low', T0 - 59_999) > k('high', T0)).toBe(true);
    // 30 s of waiting is one level: against medium arrivals, and against highs arriving 30 s later.
    expect(k('low', T0 - 30_001) < k('medium', T0)).toBe(true);
    expect(k('medium', T0) < k('high', T0 + 30_001)).toBe(true);
    // The same virtual time: the earlier deadline first.
    expect(k('low', T0 - 60_000, T0 + 1) < k('high', T0, T0 + 2)).toBe(true);
    expect(virtualTime({ priority: 'low', firstSeen: T0 }, aging)).toBe(T0 + 60_000);
  });

  it('counts the level a request competes as at a time, one up per aging_ms waited, high at most', () => {
    const low = { priority: 'low' as const, firstSeen: T0 };
    expect([0, 29_999, 30_000, 59_999, 60_000, 600_000].map((w) => competingRank(low, T0 + w, 30_000))).toEqual([2, 2, 1, 1, 0, 0]);
    expect(competingRank(low, T0 + 600_000, 0)).toBe(2);
    expect(competingRank(low, T0 - 5_000, 30_000)).toBe(2);
  });
});

describe('queue item codec', () => {
  it('names every #attribute of the expressions once', () => {
    expect(namesOf('SET #state = :s, #until = :u', '#state = :w AND #owner = :o')).toEqual({ '#state': 'state', '#until': 'until', '#owner': 'owner' });
  });

  it('refuses an item that is not a queue item', () => {
    expect(() => decodeItem({ pk: 'q#0', sk: 'x', state: 'lost' })).toThrow(/not a queue item/);
  });
});
