import { describe, expect, it } from 'vitest';
import { createRouter, loadOf } from '../../../lib/routing/index.js';
import { countFirst, ids, req, scripted, seeded, snap } from './fixtures.js';

const router = (random: () => number) => createRouter({ strategy: 'least_loaded', affinity_load_factor: 1.25 }, { random });

describe('least_loaded (power of two choices)', () => {
  // Loads 0.5, 0.1, 0.9, 0.3.
  const models = [snap('a', {}, { inFlight: 5 }), snap('b', {}, { inFlight: 1 }), snap('c', {}, { inFlight: 9 }), snap('d', {}, { inFlight: 3 })];

  it('puts the less loaded of the two sampled first, then the rest by ascending load', () => {
    // Samples a (index 0) and c (index 2 of the remaining three → index 2 overall).
    expect(ids(router(scripted(0, 0.5)).order(req(), models, 0))).toEqual(['a', 'b', 'd', 'c']);
  });

  it('never puts the more loaded of the two sampled first, for every possible pair', () => {
    const n = models.length;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n - 1; k++) {
        const j = k >= i ? k + 1 : k;
        const first = router(scripted((i + 0.5) / n, (k + 0.5) / (n - 1))).order(req(), models, 0)[0]!;
        const lighter = loadOf(models[i]!) <= loadOf(models[j]!) ? models[i]! : models[j]!;
        expect(first).toBe(lighter);
      }
    }
  });

  it('spreads first picks by rank instead of herding onto the minimum', () => {
    const r = router(seeded(3));
    const counts = countFirst(1200, () => r.order(req(), models, 0));
    // With 4 candidates the k-th least loaded wins (3 - k) of the 6 pairs.
    expect(counts.get('b')! / 1200).toBeCloseTo(3 / 6, 1);
    expect(counts.get('d')! / 1200).toBeCloseTo(2 / 6, 1);
    expect(counts.get('a')! / 1200).toBeCloseTo(1 / 6, 1);
    expect(counts.get('c')).toBeUndefined();
  });

  it('shares an idle fleet evenly', () => {
    const idle = ['p', 'q', 'r', 's'].map((id) => snap(id));
    const r = router(seeded(9));
    const counts = countFirst(1000, () => r.order(req(), idle, 0));
    for (const id of ['p', 'q', 'r', 's']) expect(counts.get(id)! / 1000).toBeCloseTo(0.25, 1);
  });

  it('compares load relative to capacity, not raw in-flight counts', () => {
    const big = snap('big', { capacity: 100 }, { inFlight: 20 });
    const small = snap('small', { capacity: 4 }, { inFlight: 2 });
    expect(ids(router(seeded(1)).order(req(), [small, big], 0))).toEqual(['big', 'small']);
  });
});
