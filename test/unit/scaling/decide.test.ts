import { describe, expect, it } from 'vitest';
import { PRIORITIES } from '../../../lib/contracts/request.js';
import { DEFAULT_HYSTERESIS, decidePollers, pollerBounds } from '../../../lib/scaling/decide.js';
import type { DecideInput, ScalingConfig, TopicLoad } from '../../../lib/scaling/decide.js';

const NOW = 1_800_000_000_000;
const MINUTE = 60_000;
const scaling: ScalingConfig = { min: 1, max: 10, scaling_factor: 1.5 };

function load(over: Partial<TopicLoad> = {}): TopicLoad {
  return { topic: 'high_priority', priority: 'high', lag: 0, partitions: 12, pollers: 2, batchSize: 100, freeSlots: 8, ...over };
}

function decideOne(t: Partial<TopicLoad>, extra: Partial<DecideInput> = {}) {
  return decidePollers({ topics: [load(t)], scaling, now: NOW, ...extra })[0]!;
}

describe('decidePollers: scaling up', () => {
  it('multiplies pollers by scaling_factor when lag per poller is above one batch and the fleet has free slots', () => {
    expect(decideOne({ pollers: 2, lag: 1_000 })).toMatchObject({ pollers: 3, previous: 2, reason: 'scale_up' });
    expect(decideOne({ pollers: 4, lag: 2_000 })).toMatchObject({ pollers: 6, reason: 'scale_up' });
  });

  it('adds at least one poller even when the factor rounds to no change', () => {
    expect(decideOne({ pollers: 3, lag: 1_000 }, { scaling: { ...scaling, scaling_factor: 1.01 } })).toMatchObject({ pollers: 4 });
    expect(decideOne({ pollers: 3, lag: 1_000 }, { scaling: { ...scaling, scaling_factor: 0.5 } })).toMatchObject({ pollers: 4 });
  });

  it('never adds more pollers than the lag needs at one batch per poller', () => {
    // 450 records / 100 per batch → 5 pollers, although 4 × 1.5 = 6.
    expect(decideOne({ pollers: 4, lag: 450 })).toMatchObject({ pollers: 5, reason: 'scale_up' });
  });

  it('holds when the fleet has no free slot for the priority: more pollers cannot help', () => {
    expect(decideOne({ pollers: 2, lag: 10_000, freeSlots: 0 })).toMatchObject({ pollers: 2, reason: 'fleet_full' });
  });

  it('holds in the dead band between idle and one batch per poller', () => {
    expect(decideOne({ pollers: 4, lag: 400 })).toMatchObject({ pollers: 4, reason: 'steady' });
    expect(decideOne({ pollers: 4, lag: 41 })).toMatchObject({ pollers: 4, reason: 'steady' });
  });
});

describe('decidePollers: scaling down', () => {
  it('divides pollers by scaling_factor when lag is ~0', () => {
    expect(decideOne({ pollers: 6, lag: 0 })).toMatchObject({ pollers: 4, reason: 'scale_down' });
    // 4 pollers, 40 records: 10 per poller = 10 % of a batch, still idle.
    expect(decideOne({ pollers: 4, lag: 40 })).toMatchObject({ pollers: 2, reason: 'scale_down' });
  });

  it('removes at least one poller and stops at min', () => {
    expect(decideOne({ pollers: 2, lag: 0 }, { scaling: { ...scaling, scaling_factor: 1.1 } })).toMatchObject({ pollers: 1 });
    expect(decideOne({ pollers: 3, lag: 0 }, { scaling: { ...scaling, min: 3 } })).toMatchObject({ pollers: 3, reason: 'steady' });
  });

  it('scales down an idle topic even when the fleet is full', () => {
    expect(decideOne({ pollers: 6, lag: 0, freeSlots: 0 })).toMatchObject({ pollers: 4, reason: 'scale_down' });
  });
});

describe('decidePollers: bounds', () => {
  it('never exceeds max nor the partition count', () => {
    expect(decideOne({ pollers: 8, lag: 100_000 })).toMatchObject({ pollers: 10, reason: 'scale_up' });
    expect(decideOne({ pollers: 3, lag: 100_000, partitions: 4 })).toMatchObject({ pollers: 4, reason: 'scale_up' });
    expect(decideOne({ pollers: 4, lag: 100_000, partitions: 4 })).toMatchObject({ pollers: 4, reason: 'at_limit' });
  });

  it('clamps pollers outside the bounds at once, even during the cool-down', () => {
    const recent = NOW - 10_000;
    expect(decideOne({ pollers: 8, partitions: 3, lag: 500, lastChangedAt: recent })).toMatchObject({ pollers: 3, reason: 'bounds' });
    expect(decideOne({ pollers: 1, lag: 150, lastChangedAt: recent }, { scaling: { ...scaling, min: 2 } })).toMatchObject({
      pollers: 2,
      reason: 'bounds',
    });
  });

  it('lets the partition count win over min, and keeps at least one poller when min is 0', () => {
    expect(pollerBounds({ ...scaling, min: 5 }, 2)).toEqual({ lower: 2, upper: 2 });
    expect(pollerBounds({ ...scaling, min: 0 }, 8)).toEqual({ lower: 1, upper: 8 });
    expect(decideOne({ pollers: 1, lag: 0 }, { scaling: { ...scaling, min: 0 } })).toMatchObject({ pollers: 1 });
  });
});

describe('decidePollers: hysteresis', () => {
  it('does not scale up again before scaleUpAfterMs since the last change', () => {
    expect(decideOne({ pollers: 2, lag: 1_000, lastChangedAt: NOW - MINUTE })).toMatchObject({ pollers: 2, reason: 'cooldown' });
    expect(decideOne({ pollers: 2, lag: 1_000, lastChangedAt: NOW - DEFAULT_HYSTERESIS.scaleUpAfterMs })).toMatchObject({
      pollers: 3,
      reason: 'scale_up',
    });
  });

  it('waits longer before scaling down than before scaling up', () => {
    expect(decideOne({ pollers: 6, lag: 0, lastChangedAt: NOW - 3 * MINUTE })).toMatchObject({ pollers: 6, reason: 'cooldown' });
    expect(decideOne({ pollers: 6, lag: 0, lastChangedAt: NOW - 6 * MINUTE })).toMatchObject({ pollers: 4, reason: 'scale_down' });
  });

  it('uses the hysteresis it is given', () => {
    const hysteresis = { scaleUpAfterMs: 0, scaleDownAfterMs: 0 };
    expect(decideOne({ pollers: 6, lag: 0, lastChangedAt: NOW - 1 }, { hysteresis })).toMatchObject({ pollers: 4 });
  });

  it('settles: replaying its own decisions under constant load reaches a fixed point and stays', () => {
    let pollers = 1;
    let lastChangedAt: number | undefined;
    const history: number[] = [];
    for (let minute = 0; minute < 30; minute++) {
      const now = NOW + minute * MINUTE;
      // 2,000 records of lag that only shrink once 8 pollers serve them.
      const lag = pollers >= 8 ? 300 : 2_000;
      const d = decidePollers({ topics: [load({ pollers, lag, lastChangedAt })], scaling, now })[0]!;
      if (d.pollers !== pollers) lastChangedAt = now;
      pollers = d.pollers;
      history.push(pollers);
    }
    expect(history.slice(-15).every((p) => p === history.at(-1))).toBe(true);
    expect(new Set(history).size).toBeLessThanOrEqual(6);
  });
});

describe('decidePollers: priorities', () => {
  const topics = (high: Partial<TopicLoad>, medium: Partial<TopicLoad>, low: Partial<TopicLoad>): TopicLoad[] => [
    load({ topic: 'high_priority', priority: 'high', ...high }),
    load({ topic: 'medium_priority', priority: 'medium', ...medium }),
    load({ topic: 'low_priority', priority: 'low', ...low }),
  ];

  it('gives a lagging high priority at least as many pollers as a lower priority', () => {
    const out = decidePollers({ topics: topics({ pollers: 1, lag: 50 }, { pollers: 1, lag: 0 }, { pollers: 6, lag: 5_000, freeSlots: 0 }), scaling, now: NOW });
    expect(out.map((d) => [d.topic, d.pollers, d.reason])).toEqual([
      ['high_priority', 6, 'priority'],
      ['medium_priority', 1, 'steady'],
      ['low_priority', 6, 'fleet_full'],
    ]);
  });

  it('orders transitively: high ≥ medium ≥ low when all lag, within each topic’s own partitions', () => {
    const out = decidePollers({
      topics: topics({ pollers: 1, lag: 10, partitions: 3 }, { pollers: 2, lag: 10 }, { pollers: 5, lag: 400 }),
      scaling,
      now: NOW,
    });
    expect(out.map((d) => d.pollers)).toEqual([3, 5, 5]);
    expect(out[0]!.reason).toBe('priority');
  });

  it('raises a lagging high priority even during its cool-down, but leaves an idle one alone', () => {
    const recent = NOW - 10_000;
    const lagging = decidePollers({ topics: topics({ pollers: 1, lag: 5, lastChangedAt: recent }, {}, { pollers: 4, lag: 300 }), scaling, now: NOW });
    expect(lagging[0]).toMatchObject({ pollers: 4, reason: 'priority' });
    const idle = decidePollers({ topics: topics({ pollers: 1, lag: 0 }, {}, { pollers: 4, lag: 300 }), scaling, now: NOW });
    expect(idle[0]).toMatchObject({ pollers: 1, reason: 'steady' });
  });

  it('returns one decision per topic in input order', () => {
    const input = topics({}, {}, {}).reverse();
    expect(decidePollers({ topics: input, scaling, now: NOW }).map((d) => d.topic)).toEqual(input.map((t) => t.topic));
  });
});

describe('decidePollers: invariants over random inputs', () => {
  it('always stays within bounds, never inverts a lagging priority, and respects the cool-down', () => {
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2_000; i++) {
      const s: ScalingConfig = { min: rand(4), max: 1 + rand(20), scaling_factor: 1 + rand(30) / 10 };
      if (s.min > s.max) s.min = s.max;
      const input = PRIORITIES.map((priority) =>
        load({
          topic: `${priority}_priority`,
          priority,
          partitions: 1 + rand(16),
          pollers: rand(25),
          lag: [0, 5, 80, 500, 20_000][rand(5)]!,
          batchSize: 1 + rand(200),
          freeSlots: rand(3),
          ...(rand(2) === 0 ? { lastChangedAt: NOW - rand(10) * MINUTE } : {}),
        }),
      );
      const out = decidePollers({ topics: input, scaling: s, now: NOW });
      out.forEach((d, k) => {
        const t = input[k]!;
        const { lower, upper } = pollerBounds(s, t.partitions);
        expect(d.pollers).toBeGreaterThanOrEqual(lower);
        expect(d.pollers).toBeLessThanOrEqual(upper);
        if (d.reason === 'scale_up') expect(t.freeSlots).toBeGreaterThan(0);
        const inBounds = Math.min(upper, Math.max(lower, t.pollers));
        if (d.pollers !== inBounds && d.reason !== 'priority' && t.lastChangedAt !== undefined) {
          const wait = d.pollers > inBounds ? DEFAULT_HYSTERESIS.scaleUpAfterMs : DEFAULT_HYSTERESIS.scaleDownAfterMs;
          expect(NOW - t.lastChangedAt).toBeGreaterThanOrEqual(wait);
        }
        if (t.lag > 0) {
          for (let j = k + 1; j < out.length; j++) expect(d.pollers).toBeGreaterThanOrEqual(Math.min(out[j]!.pollers, upper));
        }
      });
    }
  });
});
