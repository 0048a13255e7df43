import { describe, expect, it } from 'vitest';
import { createRouter } from '../../../lib/routing/index.js';
import { ids, req, snap } from './fixtures.js';

const latency = createRouter({ strategy: 'latency', affinity_load_factor: 1.25 });

describe('latency', () => {
  it('prefers the lowest latency EWMA', () => {
    const models = [snap('slow', {}, { ewmaLatencyMs: 900 }), snap('fast', {}, { ewmaLatencyMs: 120 }), snap('mid', {}, { ewmaLatencyMs: 400 })];
    expect(ids(latency.order(req(), models, 0))).toEqual(['fast', 'mid', 'slow']);
  });

  it('explores unmeasured models first so they get a measurement, less loaded first', () => {
    const models = [
      snap('fast', {}, { ewmaLatencyMs: 50 }),
      snap('new-busy', {}, { inFlight: 4 }),
      snap('new-idle'),
    ];
    expect(ids(latency.order(req(), models, 0))).toEqual(['new-idle', 'new-busy', 'fast']);
  });

  it('breaks equal latency by load', () => {
    const models = [snap('busy', {}, { ewmaLatencyMs: 200, inFlight: 8 }), snap('idle', {}, { ewmaLatencyMs: 200, inFlight: 1 })];
    expect(ids(latency.order(req(), models, 0))).toEqual(['idle', 'busy']);
  });
});
