import { describe, expect, it } from 'vitest';
import { decodeItem, namesOf } from '../../../lib/queue/dynamo-codec.js';
import { orderKey, requestHash, shardOf } from '../../../lib/queue/key.js';
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

  it('builds order keys that sort by priority, then deadline, then first seen', () => {
    const k = (priority: 'high' | 'medium' | 'low', deadline: number, firstSeen: number): string =>
      orderKey({ priority, deadline, firstSeen }, 'h');
    const sorted = [k('low', 1, 1), k('medium', T0 + 10, T0), k('high', T0 + 1, T0 + 5), k('high', T0 + 1, T0 + 2), k('high', 9, 9)].sort();
    expect(sorted).toEqual([k('high', 9, 9), k('high', T0 + 1, T0 + 2), k('high', T0 + 1, T0 + 5), k('medium', T0 + 10, T0), k('low', 1, 1)]);
    expect(k('high', T0, T0)).toBe(`0#00${T0}#00${T0}#h`);
    // Out-of-range times clamp instead of breaking the fixed width.
    expect(k('low', -5, 1e20)).toBe(`2#${'0'.repeat(15)}#${'9'.repeat(15)}#h`);
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
