import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../../lib/llm/backoff.js';

const bounds = { baseMs: 100, maxMs: 5_000 };

describe('backoffMs', () => {
  it('doubles the ceiling with each attempt (draw close to 1)', () => {
    const high = () => 0.999999;
    expect([0, 1, 2, 3, 4].map((a) => backoffMs(a, bounds, high))).toEqual([99, 199, 399, 799, 1599]);
  });

  it('never exceeds maxMs, even for huge attempt numbers', () => {
    expect(backoffMs(6, bounds, () => 0.999999)).toBe(4999);
    expect(backoffMs(10_000, bounds, () => 0.999999)).toBe(4999);
  });

  it('uses full jitter: anywhere from 0 up to the ceiling', () => {
    expect(backoffMs(3, bounds, () => 0)).toBe(0);
    expect(backoffMs(3, bounds, () => 0.5)).toBe(400);
  });

  it('spreads many draws over the whole range', () => {
    const draws = Array.from({ length: 2_000 }, () => backoffMs(2, bounds));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(400);
    expect(draws.filter((d) => d < 200).length).toBeGreaterThan(800);
    expect(draws.filter((d) => d >= 200).length).toBeGreaterThan(800);
  });

  it('treats negative, fractional and non-finite attempts as sane values', () => {
    const high = () => 0.999999;
    expect(backoffMs(-3, bounds, high)).toBe(99);
    expect(backoffMs(1.7, bounds, high)).toBe(199);
    expect(backoffMs(Number.NaN, bounds, high)).toBe(99);
  });

  it('returns 0 when the base is 0 (retries without waiting)', () => {
    expect(backoffMs(5, { baseMs: 0, maxMs: 1_000 })).toBe(0);
  });

  it('clamps a random source that strays outside [0, 1]', () => {
    expect(backoffMs(0, bounds, () => 7)).toBe(100);
    expect(backoffMs(0, bounds, () => -1)).toBe(0);
  });
});
