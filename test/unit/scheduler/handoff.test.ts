import { describe, expect, it } from 'vitest';
import type { CapacityStore } from '../../../lib/capacity/types.js';
import { processBatch } from '../../../lib/scheduler/batch.js';
import { harness, longInvocation, model, record, serverError, testConfig } from './fixtures.js';
import type { Harness } from './fixtures.js';

/** Counts the capacity writes the dispatcher makes, by method and outcome. */
function countWrites(h: Harness): Map<string, number> {
  const counts = new Map<string, number>();
  const store = h.deps.store;
  const counted: CapacityStore = Object.create(store) as CapacityStore;
  const bump = (key: string): void => void counts.set(key, (counts.get(key) ?? 0) + 1);
  counted.acquire = async (input) => {
    const out = await store.acquire(input);
    bump(out.granted ? 'acquire' : 'acquire refused');
    return out;
  };
  counted.release = async (lease, report) => {
    bump('release');
    return store.release(lease, report);
  };
  counted.handOff = async (lease, report, next) => {
    const out = await store.handOff(lease, report, next);
    bump(out.granted ? 'handOff' : `handOff refused (${out.reason})`);
    if (out.granted && report && !report.ok) bump('handOff after a failure');
    return out;
  };
  h.deps.store = counted;
  return counts;
}

describe('Function: processBatch — slot hand-off', () => {
  it('hands each finished call\'s slot to the next waiting request: one capacity write per request instead of two', async () => {
    const h = await harness(testConfig([model('only', 1)]));
    const writes = countWrites(h);
    const summary = await processBatch(Array.from({ length: 5 }, () => record({ priority: 'medium' })), h.deps, longInvocation);
    expect(summary.completed).toBe(5);
    expect(h.llm.peak.get('only')).toBe(1);
    // 1 acquire + 4 hand-offs + 1 release = 6 writes for 5 requests (release + acquire each: 10).
    expect(Object.fromEntries(writes)).toEqual({ acquire: 1, handOff: 4, release: 1 });
    expect(await h.store.getModel('only')).toMatchObject({ state: { inFlight: 0, processed: 5 } });
  });

  it('never hands a low-priority request a slot above its share; the store releases it instead', async () => {
    // Capacity 4: high may fill 4, low only 3.
    const h = await harness(testConfig([model('m', 4)]));
    const writes = countWrites(h);
    const lowStartedWith: number[] = [];
    const base = h.llm.behaviour;
    h.llm.behaviour = async (m, r) => {
      if (r.priority === 'low') lowStartedWith.push(h.llm.inFlight.get('m')!);
      return base(m, r);
    };
    const records = [...Array.from({ length: 4 }, () => record({ priority: 'high' })), ...Array.from({ length: 3 }, () => record({ priority: 'low' }))];
    const summary = await processBatch(records, h.deps, longInvocation);
    expect(summary.completed).toBe(7);
    expect(writes.get('handOff refused (full)')).toBeGreaterThanOrEqual(1);
    expect(Math.max(...lowStartedWith)).toBeLessThanOrEqual(3);
    expect((await h.store.getModel('m'))?.state.inFlight).toBe(0);
  });

  it('passes the slot on after a retryable failure, and the failed request still retries elsewhere', async () => {
    const h = await harness(testConfig([model('flaky', 1, { cost_per_1k_tokens: 0 }), model('steady', 1, { cost_per_1k_tokens: 1 })], { load_balancing: { strategy: 'cost' } }));
    const writes = countWrites(h);
    const base = h.llm.behaviour;
    let failed = false;
    h.llm.behaviour = async (m, r) => {
      if (m.id === 'flaky' && !failed) {
        failed = true;
        await new Promise((resolve) => setTimeout(resolve, 10));
        throw serverError();
      }
      // steady stays busy until after the failure, so only flaky's slot is free for c then.
      if (m.id === 'steady') await new Promise((resolve) => setTimeout(resolve, 40));
      return base(m, r);
    };
    const summary = await processBatch([record({ id: 'a' }), record({ id: 'b' }), record({ id: 'c' })], h.deps, longInvocation);
    expect(summary.completed).toBe(3);
    expect(writes.get('handOff after a failure')).toBe(1);
    // a fails on flaky, whose slot goes straight to c (steady is busy); a is retried after.
    expect(h.llm.calls.map((c) => `${c.id}@${c.model}`).slice(0, 3)).toEqual(['a@flaky', 'b@steady', 'c@flaky']);
    expect(h.llm.calls.filter((c) => c.id === 'a')).toHaveLength(2);
    for (const id of ['flaky', 'steady']) expect((await h.store.getModel(id))?.state.inFlight).toBe(0);
  });
});
