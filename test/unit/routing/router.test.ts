import { describe, expect, it } from 'vitest';
import { STRATEGIES } from '../../../lib/config/schema.js';
import { createRouter } from '../../../lib/routing/index.js';
import { ids, req, seeded, snap } from './fixtures.js';

const NOW = 5_000;

describe('createRouter', () => {
  const models = [
    snap('cool-late', { cost_per_1k_tokens: 0 }, { cooldownUntil: NOW + 500 }),
    snap('a', { cost_per_1k_tokens: 3 }, { inFlight: 2, ewmaLatencyMs: 300 }),
    snap('cool-soon', { cost_per_1k_tokens: 0 }, { cooldownUntil: NOW + 100 }),
    snap('b', { cost_per_1k_tokens: 2, endpoint: 'http://shared:8000/v1' }, { inFlight: 5, ewmaLatencyMs: 100 }),
    snap('c', { cost_per_1k_tokens: 1, endpoint: 'http://shared:8000/v1' }, { ewmaLatencyMs: 200 }),
  ];

  for (const strategy of STRATEGIES) {
    it(`${strategy}: returns every candidate once, cooling-down ones last`, () => {
      const router = createRouter({ strategy, affinity_load_factor: 1.25 }, { random: seeded(1) });
      for (const session_id of [undefined, 's-1', 's-2']) {
        const order = ids(router.order(req({ session_id }), models, NOW));
        expect([...order].sort()).toEqual(['a', 'b', 'c', 'cool-late', 'cool-soon']);
        expect(order.slice(3)).toEqual(['cool-soon', 'cool-late']);
      }
    });
  }

  it('returns an empty order for no candidates', () => {
    expect(createRouter({ strategy: 'least_loaded', affinity_load_factor: 1.25 }).order(req(), [], NOW)).toEqual([]);
  });

  it('does not reorder the caller’s array', () => {
    const copy = [...models];
    createRouter({ strategy: 'cost', affinity_load_factor: 1.25 }).order(req(), models, NOW);
    expect(models).toEqual(copy);
  });
});
