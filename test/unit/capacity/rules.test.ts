import { describe, expect, it } from 'vitest';
import { decodeShard, emptyShard } from '../../../lib/capacity/items.js';
import type { ShardState } from '../../../lib/capacity/items.js';
import { planModel } from '../../../lib/capacity/plan.js';
import { checkGrant, cooldownMs, nextEwma, rateWindow, releasedCarry, tokenCharge, worstRefusal } from '../../../lib/capacity/rules.js';
import type { GrantAttempt } from '../../../lib/capacity/rules.js';
import { HEADROOM_SHARES } from '../../../lib/capacity/shares.js';
import { model, T0 } from './store-contract.js';

const policy = { failure_threshold: 3, base_ms: 1_000, max_ms: 10_000 };
const fail = { ok: false, latencyMs: 1, promptTokens: 0, completionTokens: 0 } as const;

describe('cooldownMs', () => {
  it('starts at the threshold and doubles per further failure, up to the maximum', () => {
    expect(cooldownMs(2, { ...fail, failure: 'server_error' }, policy)).toBeUndefined();
    expect([3, 4, 5, 6, 7].map((n) => cooldownMs(n, { ...fail, failure: 'timeout' }, policy))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000]);
  });

  it('cools down on any 429, honouring Retry-After within the maximum', () => {
    expect(cooldownMs(1, { ...fail, failure: 'rate_limited' }, policy)).toBe(1_000);
    expect(cooldownMs(1, { ...fail, failure: 'rate_limited', retryAfterMs: 7_000 }, policy)).toBe(7_000);
    expect(cooldownMs(1, { ...fail, failure: 'rate_limited', retryAfterMs: 3_600_000 }, policy)).toBe(10_000);
  });

  it('never cools down for a success or a failure that is not the model\'s fault', () => {
    expect(cooldownMs(9, { ...fail, ok: true }, policy)).toBeUndefined();
    expect(cooldownMs(9, fail, policy)).toBeUndefined();
  });

  it('stays finite however long the failure streak', () => {
    expect(cooldownMs(10_000, { ...fail, failure: 'connection' }, policy)).toBe(10_000);
  });
});

describe('checkGrant', () => {
  const plan = planModel(model({ capacity: 4, rpm: 10, tpm: 1_000 }), HEADROOM_SHARES)[0]!;
  const shard = (over: Partial<ShardState> = {}): ShardState => ({ ...emptyShard('m', 0), tag: plan.tag, capacity: 4, ...over });
  const attempt = (over: Partial<GrantAttempt> = {}): GrantAttempt => ({ plan, priority: 'high', keys: ['k1'], tokensEach: 100, now: T0, ...over });

  it('explains each refusal, most specific first', () => {
    expect(checkGrant(undefined, attempt())).toMatchObject({ ok: false, reason: 'stale' });
    expect(checkGrant(shard({ tag: 'other' }), attempt())).toMatchObject({ ok: false, reason: 'stale' });
    expect(checkGrant(shard({ leases: { k1: { e: 1, p: 'h', t: 0, r: 1 } } }), attempt())).toMatchObject({ reason: 'duplicate_lease' });
    expect(checkGrant(shard({ cooldownUntil: T0 + 500 }), attempt())).toMatchObject({ reason: 'cooldown', retryAfterMs: 500 });
    expect(checkGrant(shard({ inFlight: 3 }), attempt({ priority: 'low' }))).toMatchObject({ reason: 'full', fits: 0 });
    expect(checkGrant(shard({ rlWin: rateWindow(T0), rlReq: 10 }), attempt())).toMatchObject({ reason: 'rate_limited', retryAfterMs: 59_000 });
  });

  it('starts a new window when the stored one is older, and counts in a newer one written by a peer ahead of us', () => {
    expect(checkGrant(shard({ rlWin: rateWindow(T0) - 1, rlReq: 10 }), attempt())).toEqual({ ok: true, rollover: true, window: rateWindow(T0) });
    expect(checkGrant(shard({ rlWin: rateWindow(T0) + 1, rlReq: 1 }), attempt())).toEqual({ ok: true, rollover: false, window: rateWindow(T0) + 1 });
  });

  it('tells a batch how many of its leases would fit', () => {
    const keys = ['a', 'b', 'c', 'd'];
    expect(checkGrant(shard({ inFlight: 1 }), attempt({ keys }))).toMatchObject({ reason: 'full', fits: 3 });
    expect(checkGrant(shard({ rlWin: rateWindow(T0), rlTok: 800 }), attempt({ keys }))).toMatchObject({ reason: 'rate_limited', fits: 2 });
  });
});

describe('token and latency helpers', () => {
  const plan = planModel(model({ capacity: 4, tpm: 500 }), HEADROOM_SHARES)[0]!;

  it('clamps a reservation to the shard budget so a huge request can still run alone', () => {
    expect(tokenCharge(10_000, plan)).toBe(500);
    expect(tokenCharge(12.2, plan)).toBe(13);
  });

  it('moves the EWMA a fifth of the way to each new sample', () => {
    expect(nextEwma(undefined, 100)).toBe(100);
    expect(nextEwma(100, 200)).toBe(120);
  });

  it('reports capacity before rate limits before cooldown when every shard refused', () => {
    expect(worstRefusal(['cooldown', 'full', 'rate_limited'])).toBe('full');
    expect(worstRefusal(['cooldown', 'rate_limited'])).toBe('rate_limited');
  });
});

describe('checkGrant on an item an older version wrote', () => {
  it('ignores its demand marks (demand_h, demand_m): a lower priority is admitted', () => {
    const plan = planModel(model({ capacity: 4 }), HEADROOM_SHARES)[0]!;
    const state = decodeShard({ kind: 'shard', modelId: 'm', shard: 0, tag: plan.tag, capacity: 4, inFlight: 0, leases: {}, demand_h: T0 + 5_000, demand_m: T0 + 5_000 });
    expect(state).toEqual({ ...emptyShard('m', 0), tag: plan.tag, capacity: 4 });
    expect(checkGrant(state, { plan, priority: 'low', keys: ['k'], tokensEach: 0, now: T0 })).toMatchObject({ ok: true });
  });
});

describe('checkGrant for a hand-off', () => {
  const plan = planModel(model({ capacity: 4 }), HEADROOM_SHARES)[0]!;
  const shard = (over: Partial<ShardState> = {}): ShardState => ({ ...emptyShard('m', 0), tag: plan.tag, capacity: 4, ...over });
  const held = { old: { e: T0 + 1, p: 'h', t: 0, r: 1 } };

  it('counts the lease it replaces, so in-flight may equal the priority limit', () => {
    const attempt: GrantAttempt = { plan, priority: 'low', keys: ['new'], tokensEach: 0, now: T0, replaces: 'old' };
    expect(checkGrant(shard({ inFlight: 3, leases: held }), attempt)).toMatchObject({ ok: true });
    expect(checkGrant(shard({ inFlight: 4, leases: held }), attempt)).toMatchObject({ ok: false, reason: 'full' });
    expect(checkGrant(shard({ inFlight: 3 }), attempt)).toMatchObject({ ok: false, reason: 'gone' });
  });

  it('refuses when the finished call would start a cooldown', () => {
    const attempt: GrantAttempt = { plan, priority: 'medium', keys: ['new'], tokensEach: 0, now: T0, replaces: 'old', maxFailures: 1 };
    expect(checkGrant(shard({ inFlight: 1, leases: held, failures: 2 }), attempt)).toMatchObject({ ok: false, reason: 'cooldown' });
  });

  it('reconciles the finished call\'s tokens as release + acquire would', () => {
    expect(releasedCarry({ delta: 50, window: 3 }, 4, false)).toBe(50);
    expect(releasedCarry({ delta: -50, window: 4 }, 4, false)).toBe(-50);
    expect(releasedCarry({ delta: -50, window: 3 }, 4, false)).toBe(0);
    expect(releasedCarry({ delta: 50, window: 3 }, 4, true)).toBe(0);
    expect(releasedCarry(undefined, 4, false)).toBe(0);
  });
});
