import { describe, expect, it } from 'vitest';
import { createRouter } from '../../../lib/routing/index.js';
import { ids, req, snap } from './fixtures.js';

const cost = createRouter({ strategy: 'cost', affinity_load_factor: 1.25 });

describe('cost', () => {
  it('picks the cheapest model that has a free slot', () => {
    const models = [
      snap('pricey', { cost_per_1k_tokens: 0.03 }),
      snap('free-but-full', { cost_per_1k_tokens: 0 }, { inFlight: 10 }),
      snap('cheap', { cost_per_1k_tokens: 0.002 }, { inFlight: 9 }),
    ];
    expect(ids(cost.order(req(), models, 0))).toEqual(['cheap', 'pricey', 'free-but-full']);
  });

  it('orders full models by cost after the ones that fit', () => {
    const models = [
      snap('full-pricey', { cost_per_1k_tokens: 5 }, { inFlight: 12 }),
      snap('full-cheap', { cost_per_1k_tokens: 1 }, { inFlight: 10 }),
      snap('fits', { cost_per_1k_tokens: 9 }),
    ];
    expect(ids(cost.order(req(), models, 0))).toEqual(['fits', 'full-cheap', 'full-pricey']);
  });

  it('breaks equal cost by load', () => {
    const models = [snap('busy', { cost_per_1k_tokens: 1 }, { inFlight: 7 }), snap('idle', { cost_per_1k_tokens: 1 }, { inFlight: 2 })];
    expect(ids(cost.order(req(), models, 0))).toEqual(['idle', 'busy']);
  });
});
