import { describe, expect, it } from 'vitest';
import { DemandMarks, demandBlocks } from '../../../lib/capacity/demand.js';
import type { DemandPriority, ModelSnapshot } from '../../../lib/capacity/types.js';
import { model } from './contract-fixture.js';

/** Records the mark writes a holder makes. */
function recorder() {
  const writes: string[] = [];
  const store = {
    markDemand: (id: string, p: DemandPriority, until: number) => Promise.resolve(void writes.push(`mark ${id} ${p} ${until}`)),
    clearDemand: (id: string, p: DemandPriority, until: number) => Promise.resolve(void writes.push(`clear ${id} ${p} ${until}`)),
  };
  return { writes, marks: new DemandMarks(store, { ttlMs: 1_000, refreshMs: 300 }) };
}

describe('Class: DemandMarks', () => {
  it('writes a mark at most once per refresh interval per model and priority', async () => {
    const { writes, marks } = recorder();
    await marks.mark([['a', 'high'], ['a', 'medium']], 0);
    await marks.mark([['a', 'high']], 299);
    expect(writes).toEqual(['mark a high 1000', 'mark a medium 1000']);
    await marks.mark([['a', 'high']], 301);
    expect(writes.at(-1)).toBe('mark a high 1301');
    expect(marks.holding(1_300)).toBe(true);
  });

  it('writes nothing while another holder\'s mark seen in the table lasts long enough', async () => {
    const { writes, marks } = recorder();
    await marks.mark([['a', 'high']], 0, () => 900);
    expect(writes).toEqual([]);
    await marks.mark([['a', 'high']], 0, () => 600);
    expect(writes).toEqual(['mark a high 1000']);
  });

  it('withdraws only the marks no waiting request needs, and forgets expired ones without a write', async () => {
    const { writes, marks } = recorder();
    await marks.mark([['a', 'high'], ['b', 'high']], 0);
    await marks.settle(500, (id) => id === 'a');
    expect(writes.slice(2)).toEqual(['clear b high 1000']);
    await marks.settle(1_001);
    expect(writes).toHaveLength(3);
    expect(marks.holding(1_001)).toBe(false);
  });
});

describe('demandBlocks', () => {
  const snap = (demandUntil: ModelSnapshot['state']['demandUntil']): ModelSnapshot => ({
    spec: model(),
    state: { inFlight: 0, liveLeases: 0, cooldownUntil: 0, consecutiveFailures: 0, processed: 0, errors: 0, avgLatencyMs: 0, ewmaLatencyMs: 0, tokensIn: 0, tokensOut: 0, ...(demandUntil ? { demandUntil } : {}) },
  });

  it('holds back strictly lower priorities while a mark is live', () => {
    expect(demandBlocks(snap({ high: 100 }), 'medium', 100)).toBe(true);
    expect(demandBlocks(snap({ high: 100 }), 'high', 50)).toBe(false);
    expect(demandBlocks(snap({ medium: 100 }), 'low', 50)).toBe(true);
    expect(demandBlocks(snap({ medium: 100 }), 'medium', 50)).toBe(false);
    expect(demandBlocks(snap({ high: 99 }), 'low', 100)).toBe(false);
    expect(demandBlocks(snap(undefined), 'low', 100)).toBe(false);
  });
});
