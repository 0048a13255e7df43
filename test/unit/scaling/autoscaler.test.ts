import { describe, expect, it } from 'vitest';
import { autoscale, pollerRange } from '../../../lib/scaling/autoscaler.js';
import type { AutoscaleDeps } from '../../../lib/scaling/autoscaler.js';
import { LagUnavailableError } from '../../../lib/scaling/errors.js';
import type { TopicLag } from '../../../lib/scaling/lag.js';
import type { MappingInfo } from '../../../lib/scaling/mappings.js';
import { FakeMappings, model, scalingConfig } from './fixtures.js';

const NOW = 1_800_000_000_000;
const LONG_AGO = NOW - 60 * 60_000;

function mapping(uuid: string, topic: string, over: Partial<MappingInfo> = {}): MappingInfo {
  return { uuid, topic, groupId: `g-${uuid}`, pollers: { min: 1, max: 2 }, batchSize: 100, state: 'Enabled', lastModified: LONG_AGO, ...over };
}

function lagOf(lags: Record<string, number>, partitions = 12): AutoscaleDeps['lag'] {
  return (groupId, topic) => {
    const lag = lags[topic];
    if (lag === undefined) return Promise.reject(new LagUnavailableError(topic, groupId, 'no such topic'));
    return Promise.resolve<TopicLag>({ topic, groupId, lag, partitions, byPartition: [] });
  };
}

function deps(mappings: FakeMappings, lags: Record<string, number>, over: Partial<AutoscaleDeps> = {}): AutoscaleDeps {
  return {
    mappings,
    functionName: 'agentsched-test-schedule',
    lag: lagOf(lags),
    models: () => Promise.resolve([model('m1', 10, { inFlight: 2 })]),
    config: scalingConfig(),
    clock: () => NOW,
    ...over,
  };
}

describe('autoscale', () => {
  it('writes new ranges for the topics that must change and leaves the others untouched', async () => {
    const control = new FakeMappings([
      mapping('u-high', 'high_priority', { pollers: { min: 1, max: 2 } }),
      mapping('u-med', 'medium_priority', { pollers: { min: 1, max: 3 } }),
      mapping('u-low', 'low_priority', { pollers: { min: 1, max: 3 } }),
    ]);

    const out = await autoscale(deps(control, { high_priority: 1_000, medium_priority: 0, low_priority: 250 }));

    expect(control.listedFor).toEqual(['agentsched-test-schedule']);
    expect(control.writes).toEqual([
      { uuid: 'u-high', pollers: { min: 1, max: 3 } },
      { uuid: 'u-med', pollers: { min: 1, max: 2 } },
    ]);
    expect(out.map((o) => [o.uuid, o.decision?.reason, o.applied?.max])).toEqual([
      ['u-high', 'scale_up', 3],
      ['u-med', 'scale_down', 2],
      ['u-low', 'steady', undefined],
    ]);
  });

  it('holds a lagging low priority when the fleet is full for it, while high still scales', async () => {
    const control = new FakeMappings([mapping('u-high', 'high_priority'), mapping('u-low', 'low_priority')]);
    // capacity 4, 3 in flight: low (75 %) may hold 3 slots — none free; high has 1.
    const models = (): ReturnType<AutoscaleDeps['models']> => Promise.resolve([model('m1', 4, { inFlight: 3 })]);

    const config = scalingConfig({ capacity: { priority_shares: { high: 1, medium: 0.9, low: 0.75 } } });
    const out = await autoscale(deps(control, { high_priority: 1_000, low_priority: 1_000 }, { models, config }));

    expect(out.map((o) => o.decision?.reason)).toEqual(['scale_up', 'fleet_full']);
    expect(control.writes.map((w) => w.uuid)).toEqual(['u-high']);
  });

  it('skips mappings of other topics, in transition, or in on-demand mode unless told to adopt them', async () => {
    const mappings = [
      mapping('u-results', 'results'),
      mapping('u-busy', 'high_priority', { state: 'Updating' }),
      mapping('u-off', 'medium_priority', { state: 'Disabled' }),
      mapping('u-od', 'low_priority', { pollers: null }),
    ];
    const lags = { results: 0, high_priority: 5_000, medium_priority: 5_000, low_priority: 1_000 };
    const skip = new FakeMappings(mappings);

    const skipped = await autoscale(deps(skip, lags));

    expect(skipped.map((o) => o.skipped)).toEqual(['not a priority topic', 'mapping is Updating', 'mapping is Disabled', 'on-demand mode']);
    expect(skip.writes).toEqual([]);

    const adopt = new FakeMappings(mappings);
    const adopted = await autoscale(deps(adopt, lags, { onDemand: 'adopt' }));
    // From the lower bound (1): 1 000 records at 100 per batch → × 1.5 → 2.
    expect(adopt.writes).toEqual([{ uuid: 'u-od', pollers: { min: 1, max: 2 } }]);
    expect(adopted[3]).toMatchObject({ priority: 'low', applied: { min: 1, max: 2 } });
  });

  it('adopts an on-demand mapping even when its decision is to hold at the lower bound', async () => {
    const control = new FakeMappings([mapping('u-od', 'high_priority', { pollers: null })]);

    await autoscale(deps(control, { high_priority: 0 }, { onDemand: 'adopt' }));

    expect(control.writes).toEqual([{ uuid: 'u-od', pollers: { min: 1, max: 1 } }]);
  });

  it('reports a failing lag read or write on its mapping and still handles the others', async () => {
    const control = new FakeMappings([
      mapping('u-high', 'high_priority'),
      mapping('u-med', 'medium_priority', { pollers: { min: 1, max: 6 } }),
      mapping('u-low', 'low_priority', { pollers: { min: 1, max: 6 } }),
    ]);
    control.failOn.add('u-med');

    const out = await autoscale(deps(control, { medium_priority: 0, low_priority: 0 }));

    expect(out[0]!.error).toMatchObject({ code: 'lag_unavailable', retryable: true });
    expect(out[1]!.error).toMatchObject({ code: 'unexpected', message: 'boom u-med' });
    expect(out[2]).toMatchObject({ applied: { min: 1, max: 4 } });
    expect(out[2]!.error).toBeUndefined();
  });

  it('keeps the poller group and corrects a minimum that no longer matches scaling.min', async () => {
    const control = new FakeMappings([mapping('u-high', 'high_priority', { pollers: { min: 1, max: 4, group: 'pg' } })]);

    const out = await autoscale(deps(control, { high_priority: 200 }, { config: scalingConfig({ scaling: { min: 2, max: 10 } }) }));

    expect(out[0]!.decision?.reason).toBe('steady');
    expect(control.writes).toEqual([{ uuid: 'u-high', pollers: { min: 2, max: 4, group: 'pg' } }]);
  });

  it('throws when the mappings cannot be listed: nothing can be decided', async () => {
    const control = new FakeMappings([]);
    control.list = () => Promise.reject(new Error('AccessDenied'));

    await expect(autoscale(deps(control, {}))).rejects.toThrow('AccessDenied');
  });
});

describe('pollerRange', () => {
  it('sets the maximum to the decision and the minimum to scaling.min within Lambda’s limits', () => {
    const scaling = { min: 3, max: 500, scaling_factor: 2 };
    expect(pollerRange(scaling, 8)).toEqual({ min: 3, max: 8 });
    expect(pollerRange(scaling, 2)).toEqual({ min: 2, max: 2 });
    expect(pollerRange({ ...scaling, min: 0 }, 5)).toEqual({ min: 1, max: 5 });
    expect(pollerRange({ ...scaling, min: 300 }, 400)).toEqual({ min: 200, max: 400 });
  });
});
