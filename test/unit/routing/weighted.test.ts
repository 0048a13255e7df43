import { describe, expect, it } from 'vitest';
import { createRouter } from '../../../lib/routing/index.js';
import { countFirst, req, seeded, snap } from './fixtures.js';

describe('weighted', () => {
  const models = [snap('heavy', { weight: 6 }), snap('mid', { weight: 3 }), snap('light', { weight: 1 })];

  it('puts each model first in proportion to its weight over 1000 picks', () => {
    const router = createRouter({ strategy: 'weighted', affinity_load_factor: 1.25 }, { random: seeded(42) });
    const counts = countFirst(1000, () => router.order(req(), models, 0));
    expect(counts.get('heavy')! / 1000).toBeCloseTo(0.6, 1);
    expect(counts.get('mid')! / 1000).toBeCloseTo(0.3, 1);
    expect(counts.get('light')! / 1000).toBeCloseTo(0.1, 1);
  });

  it('weights the fallback positions too', () => {
    const router = createRouter({ strategy: 'weighted', affinity_load_factor: 1.25 }, { random: seeded(7) });
    let midBeforeLight = 0;
    for (let i = 0; i < 1000; i++) {
      const order = router.order(req(), models, 0).map((m) => m.spec.id);
      if (order.indexOf('mid') < order.indexOf('light')) midBeforeLight++;
    }
    // Between mid (3) and light (1) alone, mid leads 3 times in 4.
    expect(midBeforeLight / 1000).toBeCloseTo(0.75, 1);
  });
});
