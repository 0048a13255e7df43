import { describe, expect, it } from 'vitest';
import { freeSlots } from '../../../lib/scaling/fleet.js';
import { model } from './fixtures.js';

describe('freeSlots', () => {
  it('is Σ (capacity − in-flight) when every priority may fill the models', () => {
    const shares = { high: 1, medium: 1, low: 1 };
    expect(freeSlots([model('a', 4, { inFlight: 1 }), model('b', 10, { inFlight: 10 })], shares, 0)).toEqual({ high: 3, medium: 3, low: 3 });
  });

  it('leaves lower priorities only their share of each model', () => {
    // capacity 10: high 10, medium 9, low 7 slots; 7 in flight.
    expect(freeSlots([model('a', 10, { inFlight: 7 })], { high: 1, medium: 0.9, low: 0.75 }, 0)).toEqual({ high: 3, medium: 2, low: 0 });
  });

  it('counts a cooling-down model as full', () => {
    const now = 1_000;
    const models = [model('a', 5, { cooldownUntil: now + 1 }), model('b', 2, { cooldownUntil: now })];
    expect(freeSlots(models, undefined, now).high).toBe(2);
  });

  it('is zero for an empty fleet', () => {
    expect(freeSlots([], undefined, 0)).toEqual({ high: 0, medium: 0, low: 0 });
  });
});
