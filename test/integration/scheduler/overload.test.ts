import { afterEach, describe, expect, it } from 'vitest';
import { AgentSide, e2eConfig, originalRequest, startE2eStack } from '../support/stack.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('Priority under overload (real Kafka, DynamoDB Local, simulated fleet)', () => {
  it('keeps high priority well ahead of medium and low under 3x overload, and low still finishes', async () => {
    const config = e2eConfig();
    const { stack, cleanup } = await startE2eStack(config);
    cleanups.push(cleanup);
    const agents = new AgentSide(stack.config);
    await agents.start();
    cleanups.push(() => agents.stop());

    // The demo fleet serves ~18 calls at a time at ~280 ms each (~64 calls/s). Offer three times
    // that for two seconds, the three priorities interleaved.
    const sentAt = new Map<string, number>();
    const all: Record<string, unknown>[] = [];
    for (let wave = 0; wave < 10; wave++) {
      const requests = Array.from({ length: 39 }, (_, i) => originalRequest((['low', 'medium', 'high'] as const)[i % 3]!));
      const now = Date.now();
      for (const r of requests) sentAt.set(String(r['correlation_id']), now);
      await agents.send(requests);
      all.push(...requests);
      await new Promise((r) => setTimeout(r, 200));
    }
    await agents.waitFor([...sentAt.keys()], 120_000);

    const latency = (priority: string): number[] =>
      all
        .filter((r) => r['priority'] === priority)
        .map((r) => {
          const id = String(r['correlation_id']);
          const result = agents.results.get(id)![0]!;
          expect(result.status).toBe('completed');
          return Date.parse(result.finished_at!) - sentAt.get(id)!;
        });
    const high = latency('high');
    const medium = latency('medium');
    const low = latency('low');
    const summary = { high: [percentile(high, 50), percentile(high, 90)], medium: [percentile(medium, 50), percentile(medium, 90)], low: [percentile(low, 50), percentile(low, 90)] };
    console.log('p50/p90 ms by priority', JSON.stringify(summary));
    expect(low).toHaveLength(130);
    // The global order and slot hand-off: nine in ten high requests finish before half the low ones
    // have waited half as long.
    expect(percentile(high, 90) * 2).toBeLessThan(percentile(low, 50));
    expect(percentile(high, 50)).toBeLessThan(percentile(medium, 50));
    expect(percentile(medium, 50)).toBeLessThan(percentile(low, 50));
    expect(stack.sim!.stats().violations).toBe(0);
  });
});
