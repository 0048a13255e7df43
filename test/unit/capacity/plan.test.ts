import { describe, expect, it } from 'vitest';
import { CapacityConfigError } from '../../../lib/capacity/errors.js';
import { MAX_LEASES_PER_SHARD, planModel, shardOrder, validateSharding } from '../../../lib/capacity/plan.js';
import { HEADROOM_SHARES } from '../../../lib/capacity/shares.js';
import { model } from './store-contract.js';

describe('planModel', () => {
  it('splits capacity, rpm and tpm over shards with exact sums and tags each shard with its limits', () => {
    const plans = planModel(model({ capacity: 10, shards: 3, rpm: 100, tpm: 10_000 }), HEADROOM_SHARES);
    expect(plans.map((p) => [p.capacity, p.rpm, p.tpm, p.tag])).toEqual([
      [4, 34, 3334, '4/34/3334'],
      [3, 33, 3333, '3/33/3333'],
      [3, 33, 3333, '3/33/3333'],
    ]);
  });

  it('leaves rate limits out of a model without them', () => {
    const [plan] = planModel(model({ capacity: 2 }), HEADROOM_SHARES);
    expect(plan).toMatchObject({ capacity: 2, tag: '2/-/-' });
    expect(plan).not.toHaveProperty('rpm');
  });
});

describe('validateSharding', () => {
  it('asks for more shards when one item would hold more than MAX_LEASES_PER_SHARD leases', () => {
    expect(() => validateSharding(model({ capacity: MAX_LEASES_PER_SHARD }))).not.toThrow();
    expect(() => validateSharding(model({ capacity: MAX_LEASES_PER_SHARD + 1 }))).toThrow(/use shards >= 2/);
    expect(() => validateSharding(model({ capacity: 100_000, shards: 20 }))).not.toThrow();
  });

  it('refuses more shards than slots, and rate limits smaller than the shard count', () => {
    expect(() => validateSharding(model({ capacity: 2, shards: 3 }))).toThrow(CapacityConfigError);
    expect(() => validateSharding(model({ capacity: 10, shards: 4, rpm: 3 }))).toThrow(/rpm 3/);
  });
});

describe('shardOrder', () => {
  it('visits every shard once, starting where the lease id points, the same way every time', () => {
    const order = shardOrder('lease-1', 5);
    expect([...order].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(shardOrder('lease-1', 5)).toEqual(order);
    const starts = new Set(Array.from({ length: 100 }, (_, i) => shardOrder(`lease-${i}`, 5)[0]));
    expect(starts.size).toBe(5);
  });
});
