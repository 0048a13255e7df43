import { describe, expect, it } from 'vitest';
import {
  cooldownUpdate, extendUpdate, freezeShardUpdate, grantUpdate, putShardUpdate, reapUpdate, releaseUpdate,
} from '../../../lib/capacity/dynamo-expressions.js';
import type { UpdateInput } from '../../../lib/capacity/dynamo-expressions.js';
import { handOffUpdate } from '../../../lib/capacity/dynamo-handoff.js';
import { planModel } from '../../../lib/capacity/plan.js';
import { HEADROOM_SHARES } from '../../../lib/capacity/shares.js';
import { T0, model } from './contract-fixture.js';

/** DynamoDB rejects an update whose placeholders are undefined or unused. */
function placeholdersMatch(input: UpdateInput): void {
  const text = `${input.UpdateExpression ?? ''} ${input.ConditionExpression ?? ''}`;
  const used = (prefix: string): Set<string> => new Set(text.match(new RegExp(`${prefix}[A-Za-z0-9_]+`, 'g')) ?? []);
  expect(used('#')).toEqual(new Set(Object.keys(input.ExpressionAttributeNames ?? {})));
  expect(used(':')).toEqual(new Set(Object.keys(input.ExpressionAttributeValues ?? {})));
}

const rated = planModel(model({ capacity: 5, rpm: 60, tpm: 1_000 }), HEADROOM_SHARES)[0]!;
const plain = planModel(model({ capacity: 5 }), HEADROOM_SHARES)[0]!;
const entry = { e: T0 + 1_000, p: 'h', t: 10, r: 7 };
const report = { ok: true, latencyMs: 5, promptTokens: 1, completionTokens: 2 } as const;

describe('update expressions', () => {
  it('define exactly the placeholders they use', () => {
    const attempt = { plan: rated, priority: 'medium' as const, keys: ['k0', 'k1'], tokensEach: 10, now: T0 };
    for (const input of [
      grantUpdate('pk', attempt, [entry, entry], 5, false),
      grantUpdate('pk', attempt, [entry, entry], 5, true),
      grantUpdate('pk', { ...attempt, plan: plain }, [entry, entry], 5, false),
      releaseUpdate('pk', 'k0', undefined, undefined, undefined),
      releaseUpdate('pk', 'k0', report, 4, { delta: -3, window: 5 }),
      releaseUpdate('pk', 'k0', report, undefined, { delta: 3 }),
      releaseUpdate('pk', 'k0', { ...report, ok: false, failure: 'timeout' }, undefined, undefined),
      extendUpdate('pk', 'k0', T0),
      reapUpdate('pk', 'k0', entry),
      cooldownUpdate('pk', T0),
      putShardUpdate('pk', 'm', rated),
      putShardUpdate('pk', 'm', plain),
      freezeShardUpdate('pk'),
      handOffUpdate('pk', { ...attempt, keys: ['k1'], replaces: 'k0', released: { delta: -3, window: 5 } }, entry, 5, false, { report, ewma: 4 }),
      handOffUpdate('pk', { ...attempt, keys: ['k1'], replaces: 'k0', maxFailures: 1 }, entry, 5, true, { report: { ...report, ok: false, failure: 'timeout' }, ewma: undefined }),
      handOffUpdate('pk', { ...attempt, plan: plain, keys: ['k1'], replaces: 'k0' }, entry, 5, false, { report: undefined, ewma: undefined }),
    ]) placeholdersMatch(input);
  });

  it('admit only below the priority limit, outside cooldown, with new lease keys and room in the window', () => {
    const input = grantUpdate('pk', { plan: rated, priority: 'low', keys: ['k0'], tokensEach: 100, now: T0 }, [entry], 9, false);
    const values = input.ExpressionAttributeValues ?? {};
    const cond = input.ConditionExpression ?? '';
    const valueOf = (attr: string, op: string): unknown => values[new RegExp(`#${attr} ${op} (:v\\d+)`).exec(cond)?.[1] ?? ''];
    expect(valueOf('inFlight', '<=')).toBe(rated.limits.low - 1);
    expect(valueOf('cooldownUntil', '<=')).toBe(T0);
    expect(valueOf('rlWin', '=')).toBe(9);
    expect(valueOf('rlReq', '<=')).toBe(59);
    expect(valueOf('rlTok', '<=')).toBe(900);
    expect(cond).toContain('attribute_not_exists(#leases.#k');
    expect(input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  it('release only a lease that is still there, and a refund only into its own window', () => {
    const input = releaseUpdate('pk', 'k0', report, undefined, { delta: -5, window: 9 });
    expect(input.ConditionExpression).toMatch(/^attribute_exists\(#leases\.#k\d+\) AND #rlWin = :v\d+$/);
    expect(input.UpdateExpression).toContain('REMOVE #leases.#k');
  });
});

describe('hand-off expressions', () => {
  it('hand a slot over only while the old lease is held, within the next priority\'s limit, leaving inFlight alone', () => {
    const input = handOffUpdate('pk', { plan: rated, priority: 'low', keys: ['k1'], tokensEach: 100, now: T0, replaces: 'k0', released: { delta: -40, window: 9 } }, entry, 9, false, { report, ewma: undefined });
    const cond = input.ConditionExpression ?? '';
    const values = input.ExpressionAttributeValues ?? {};
    const valueOf = (attr: string, op: string): unknown => values[new RegExp(`#${attr} ${op} (:v\\d+)`).exec(cond)?.[1] ?? ''];
    expect(valueOf('inFlight', '<=')).toBe(rated.limits.low);
    // The refund of the finished call (−40) counts before the next request's 100 tokens.
    expect(valueOf('rlTok', '<=')).toBe(1_000 - 60);
    expect(cond).toMatch(/attribute_exists\(#leases\.#k\d+\) AND attribute_not_exists\(#leases\.#k\d+\)/);
    expect(input.UpdateExpression).not.toMatch(/#inFlight/);
  });
});
