import { describe, expect, it } from 'vitest';
import { processBatch } from '../../../lib/scheduler/batch.js';
import { harness, longInvocation, model, record, testConfig } from './fixtures.js';
import type { Harness } from './fixtures.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function slowCalls(h: Harness, ms: number): void {
  h.llm.behaviour = async (m, r) => {
    await sleep(ms);
    return { content: `${m.id}:${r.id}`, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, latencyMs: ms };
  };
}

describe('Function: processBatch — priority across invocations', () => {
  it('gives slots freed by a low-priority invocation to high-priority work waiting in another one', async () => {
    // Capacity 1: every priority may use the slot, so only the demand mark holds low back.
    const h = await harness(testConfig([model('only', 1)]));
    slowCalls(h, 30);
    const lows = Array.from({ length: 5 }, (_, i) => record({ id: `low-${i}`, priority: 'low' }));
    const highs = Array.from({ length: 3 }, (_, i) => record({ id: `high-${i}`, priority: 'high' }));
    const lowRun = processBatch(lows, h.deps, longInvocation);
    await sleep(10);
    const highRun = processBatch(highs, h.deps, longInvocation);
    await highRun;
    // The high invocation is done: its mark is withdrawn at once, not left to expire.
    expect((await h.store.getModel('only'))?.state.demandUntil).toBeUndefined();
    await lowRun;
    const order = h.llm.calls.map((c) => c.id);
    expect(order).toHaveLength(8);
    // Without the mark, each finished low call would hand its slot to the next low one.
    expect(order.indexOf('high-2')).toBeLessThan(order.indexOf('low-2'));
    expect(h.llm.peak.get('only')).toBe(1);
  });

  it('admits a request that waited longer than aging_ms as one priority higher, answering with its own', async () => {
    // Capacity 10: low may hold 7, medium 9. 8 slots are taken.
    const h = await harness(testConfig([model('m', 10)], { scheduler: { aging_ms: 60_000, republish_margin_ms: 0 } }));
    for (let i = 0; i < 8; i++) await h.store.acquire({ modelId: 'm', priority: 'high', leaseId: `held-${i}`, estimatedTokens: 0 });
    const old = record({ id: 'old', priority: 'low' }, { timestamp: Date.now() - 61_000 });
    const fresh = record({ id: 'fresh', priority: 'low' });
    const ends = Date.now() + 1_300;
    const summary = await processBatch([fresh, old], h.deps, { remainingMs: () => ends - Date.now() });
    expect(h.llm.calls.map((c) => c.id)).toEqual(['old']);
    expect(summary).toMatchObject({ completed: 1, deferred: 1 });
    expect(h.results()[0]).toMatchObject({ id: 'old', priority: 'low', status: 'completed' });
  });
});
