import { describe, expect, it } from 'vitest';
import { encodedSize, nextBatch } from '../../../lib/local/batching.js';
import type { PartitionState } from '../../../lib/local/batching.js';
import type { SourceRecord } from '../../../lib/local/source.js';

function records(from: number, count: number, valueBytes = 10): SourceRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    topic: 't',
    partition: 0,
    offset: String(from + i),
    timestamp: 0,
    key: null,
    value: Buffer.alloc(valueBytes),
    headers: {},
  }));
}

const limits = { batchSize: 3, batchWindowMs: 100, maxPayloadBytes: 1_000_000, now: 1_000 };

describe('nextBatch', () => {
  it('takes at most batchSize records and sends a full batch without waiting', () => {
    const plan = nextBatch({}, records(0, 5), limits);

    expect(plan.records.map((r) => r.offset)).toEqual(['0', '1', '2']);
    expect(plan.waitMs).toBe(0);
  });

  it('holds a partial batch until the window, counted from when its first record was seen, has passed', () => {
    const state: PartitionState = {};

    expect(nextBatch(state, records(0, 2), limits)).toEqual({ records: [], waitMs: 100 });
    expect(nextBatch(state, records(0, 2), { ...limits, now: 1_060 })).toEqual({ records: [], waitMs: 40 });
    expect(nextBatch(state, records(0, 2), { ...limits, now: 1_100 }).records).toHaveLength(2);
  });

  it('sends a partial batch at once when the window is 0', () => {
    expect(nextBatch({}, records(0, 1), { ...limits, batchWindowMs: 0 }).records).toHaveLength(1);
  });

  it('returns exactly the failed batch for a retry, even when more records are available', () => {
    const state: PartitionState = { failing: { firstOffset: '4', lastOffset: '5', attempts: 1 } };

    const plan = nextBatch(state, records(4, 10), limits);

    expect(plan.records.map((r) => r.offset)).toEqual(['4', '5']);
    expect(plan.waitMs).toBe(0);
  });

  it('forgets a failed batch once deliveries start elsewhere', () => {
    const state: PartitionState = { failing: { firstOffset: '4', lastOffset: '5', attempts: 1 } };

    nextBatch(state, records(6, 3), limits);

    expect(state.failing).toBeUndefined();
  });

  it('cuts the batch before the payload limit, without waiting for the window', () => {
    const size = encodedSize(records(0, 1, 600)[0]!);
    const plan = nextBatch({}, records(0, 3, 600), { ...limits, maxPayloadBytes: 512 + size * 2 });

    expect(plan.records).toHaveLength(2);
    expect(plan.waitMs).toBe(0);
  });

  it('always takes at least one record, however large', () => {
    expect(nextBatch({}, records(0, 2, 10_000), { ...limits, maxPayloadBytes: 100 }).records).toHaveLength(1);
  });
});
