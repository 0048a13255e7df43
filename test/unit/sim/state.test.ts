import { describe, expect, it } from 'vitest';
import { Gauge, pickFaults, SimModelState, totals } from '../../../lib/sim/state.js';

describe('SimModelState', () => {
  it('admits up to capacity, then counts each extra arrival as a violation (still in flight)', () => {
    const m = new SimModelState({ id: 'a', capacity: 2 });
    expect([m.admit(), m.admit(), m.admit(), m.admit()]).toEqual([true, true, false, false]);
    expect(m.snapshot()).toMatchObject({ requests: 4, violations: 2, in_flight: 4, peak_concurrency: 4, capacity: 2 });
  });

  it('counts an arrival as a violation while refused requests are still open', () => {
    const m = new SimModelState({ id: 'a', capacity: 1 });
    m.admit();
    m.admit();
    m.inFlight.dec(); // the admitted one finishes; the refused one is still being answered
    expect(m.admit()).toBe(false);
    expect(m.snapshot().violations).toBe(2);
  });

  it('frees slots as requests leave and keeps the peak until reset', () => {
    const m = new SimModelState({ id: 'a', capacity: 3 });
    m.admit();
    m.admit();
    m.inFlight.dec();
    m.inFlight.dec();
    m.inFlight.dec();
    expect(m.snapshot()).toMatchObject({ in_flight: 0, peak_concurrency: 2 });
    m.admit();
    m.reset();
    expect(m.snapshot()).toMatchObject({ requests: 0, in_flight: 1, peak_concurrency: 1 });
  });

  it('changes faults at runtime and validates them', () => {
    const m = new SimModelState({ id: 'a', capacity: 1 });
    m.setFaults({ failRate: 1 });
    expect(m.config.failRate).toBe(1);
    expect(() => m.setFaults({ rateLimitRate: 2 })).toThrow('rateLimitRate');
    expect(m.config.rateLimitRate).toBe(0);
  });
});

describe('totals', () => {
  it('sums the models and takes peak and in-flight from the server gauge', () => {
    const a = new SimModelState({ id: 'a', capacity: 2 });
    const b = new SimModelState({ id: 'b', capacity: 3 });
    const total = new Gauge();
    for (const m of [a, b, b]) {
      total.inc();
      m.admit();
    }
    b.count('completed');
    expect(totals([a, b], total)).toMatchObject({ requests: 3, completed: 1, capacity: 5, in_flight: 3, peak_concurrency: 3 });
  });
});

describe('pickFaults', () => {
  it('keeps fault fields only and rejects non-numbers', () => {
    expect(pickFaults({ model: 'x', failRate: 0.5, capacity: 100 })).toEqual({ failRate: 0.5 });
    expect(() => pickFaults({ stallMs: 'long' })).toThrow('stallMs');
  });
});
