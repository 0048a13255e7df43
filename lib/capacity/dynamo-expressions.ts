import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { LeaseEntry } from './items.js';
import { FROZEN_TAG } from './plan.js';
import type { ShardPlan } from './plan.js';
import { hasRateLimit } from './rules.js';
import type { GrantAttempt } from './rules.js';
import type { CallReport } from './types.js';
import { callsOf, meanLatency } from './report.js';

export type UpdateInput = Omit<UpdateCommandInput, 'TableName'>;

/**
 * Collects placeholder names and values for one update. Every attribute goes through a `#name`
 * placeholder: several of ours (capacity, errors, shard…) may be DynamoDB reserved words.
 */
export class Expr {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private n = 0;

  name(attr: string): string {
    this.names[`#${attr}`] = attr;
    return `#${attr}`;
  }

  /** A map key of `leases` (base64url lease keys are not valid placeholder names themselves). */
  lease(key: string): string {
    const ph = `#k${this.n++}`;
    this.names[ph] = key;
    return `${this.name('leases')}.${ph}`;
  }

  value(v: unknown): string {
    const ph = `:v${this.n++}`;
    this.values[ph] = v;
    return ph;
  }

  input(pk: string, update: string, condition: string | undefined): UpdateInput {
    const out: UpdateInput = { Key: { pk }, UpdateExpression: update, ExpressionAttributeNames: this.names };
    if (condition) out.ConditionExpression = condition;
    if (Object.keys(this.values).length > 0) out.ExpressionAttributeValues = this.values;
    return out;
  }
}

export const clause = (verb: string, parts: string[]): string => (parts.length > 0 ? `${verb} ${parts.join(', ')}` : '');
export const join = (...clauses: string[]): string => clauses.filter(Boolean).join(' ');

/**
 * Admission conditions every grant and hand-off shares: the shard has this spec, room for `n` more
 * leases of the priority (0 for a hand-off, which replaces a lease), and no cooldown.
 */
export function admissionConditions(x: Expr, a: GrantAttempt, n: number): string[] {
  return [
    `${x.name('tag')} = ${x.value(a.plan.tag)}`,
    `${x.name('inFlight')} <= ${x.value(a.plan.limits[a.priority] - n)}`,
    `${x.name('cooldownUntil')} <= ${x.value(a.now)}`,
  ];
}

/**
 * The admission write: adds `entries` under `attempt.keys` and counts them in `inFlight` (and in the
 * rate window) only if the shard still has this spec, is below the priority's limit, is not cooling
 * down, none of the leases exists, and (rated models) the window has room. `rollover` starts window
 * `window` instead of adding to it: the condition then requires the stored window to be older.
 */
export function grantUpdate(pk: string, a: GrantAttempt, entries: LeaseEntry[], window: number, rollover: boolean): UpdateInput {
  const x = new Expr();
  const n = a.keys.length;
  const tokens = n * a.tokensEach;
  const set: string[] = [];
  const add: string[] = [`${x.name('inFlight')} ${x.value(n)}`];
  const cond = admissionConditions(x, a, n);
  a.keys.forEach((key, i) => {
    const path = x.lease(key);
    set.push(`${path} = ${x.value(entries[i])}`);
    cond.push(`attribute_not_exists(${path})`);
  });
  if (hasRateLimit(a.plan)) {
    if (rollover) {
      set.push(`${x.name('rlWin')} = ${x.value(window)}`, `${x.name('rlReq')} = ${x.value(n)}`, `${x.name('rlTok')} = ${x.value(tokens)}`);
      cond.push(`${x.name('rlWin')} < ${x.value(window)}`);
    } else {
      add.push(`${x.name('rlReq')} ${x.value(n)}`, `${x.name('rlTok')} ${x.value(tokens)}`);
      cond.push(`${x.name('rlWin')} = ${x.value(window)}`);
      if (a.plan.rpm !== undefined) cond.push(`${x.name('rlReq')} <= ${x.value(a.plan.rpm - n)}`);
      if (a.plan.tpm !== undefined) cond.push(`${x.name('rlTok')} <= ${x.value(a.plan.tpm - tokens)}`);
    }
  }
  return {
    ...x.input(pk, join(clause('SET', set), clause('ADD', add)), cond.join(' AND ')),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** How release reconciles the lease's token reservation with the real usage. */
export interface TokenReconcile {
  delta: number;
  /** For a refund (delta < 0): only while the item is still in the lease's window. */
  window?: number;
}

/**
 * The release write: removes the lease and decrements `inFlight` in one write, conditional on the
 * lease still being there, so a second release (or a release after the reaper) changes nothing.
 * With a report it also records the call's statistics and failure streak; `ewma` is the new EWMA
 * computed by the caller from the last value it saw (undefined: start it if absent).
 */
export function releaseUpdate(pk: string, key: string, report: CallReport | undefined, ewma: number | undefined, tokens: TokenReconcile | undefined): UpdateInput {
  const x = new Expr();
  const path = x.lease(key);
  const set: string[] = [];
  const add: string[] = [`${x.name('inFlight')} ${x.value(-1)}`];
  const cond = [`attribute_exists(${path})`];
  if (report) recordReport(x, set, add, report, ewma);
  if (tokens && tokens.delta !== 0) {
    add.push(`${x.name('rlTok')} ${x.value(tokens.delta)}`);
    if (tokens.window !== undefined) cond.push(`${x.name('rlWin')} = ${x.value(tokens.window)}`);
  }
  const input = x.input(pk, join(clause('SET', set), `REMOVE ${path}`, clause('ADD', add)), cond.join(' AND '));
  if (report) input.ReturnValues = 'UPDATED_NEW';
  if (tokens?.window !== undefined) input.ReturnValuesOnConditionCheckFailure = 'ALL_OLD';
  return input;
}

/** The statistics of a finished call (release and hand-off record the same). */
export function recordReport(x: Expr, set: string[], add: string[], report: CallReport, ewma: number | undefined): void {
  const calls = callsOf(report);
  add.push(`${x.name('processed')} ${x.value(calls)}`, `${x.name('tokIn')} ${x.value(report.promptTokens)}`, `${x.name('tokOut')} ${x.value(report.completionTokens)}`);
  if (report.ok) {
    add.push(`${x.name('latSum')} ${x.value(report.latencyMs)}`, `${x.name('latCount')} ${x.value(calls)}`);
    set.push(`${x.name('failures')} = ${x.value(0)}`);
    set.push(ewma === undefined
      ? `${x.name('ewma')} = if_not_exists(${x.name('ewma')}, ${x.value(meanLatency(report))})`
      : `${x.name('ewma')} = ${x.value(ewma)}`);
  } else {
    add.push(`${x.name('errors')} ${x.value(1)}`);
    if (report.failure) add.push(`${x.name('failures')} ${x.value(1)}`);
  }
}

/** Pushes a lease's expiry out, if the lease is still held. */
export function extendUpdate(pk: string, key: string, expiresAt: number): UpdateInput {
  const x = new Expr();
  const path = x.lease(key);
  return x.input(pk, `SET ${path}.${x.name('e')} = ${x.value(expiresAt)}`, `attribute_exists(${path})`);
}

/**
 * Pushes several leases of one shard out to `expiresAt` in one write, only while every one of them
 * still exists (a container renewing the slots its running calls hold).
 */
export function extendManyUpdate(pk: string, keys: readonly string[], expiresAt: number): UpdateInput {
  const x = new Expr();
  const e = x.name('e');
  const until = x.value(expiresAt);
  const paths = keys.map((k) => x.lease(k));
  return x.input(pk, `SET ${paths.map((p) => `${p}.${e} = ${until}`).join(', ')}`, paths.map((p) => `attribute_exists(${p})`).join(' AND '));
}

/**
 * Reclaims one expired lease, conditional on its expiry and nonce being exactly what the reaper
 * read: a concurrent release (lease gone) or extend (expiry changed) makes this write a no-op, so
 * a slot is freed exactly once.
 */
export function reapUpdate(pk: string, key: string, entry: LeaseEntry): UpdateInput {
  const x = new Expr();
  const path = x.lease(key);
  return x.input(
    pk,
    `REMOVE ${path} ADD ${x.name('inFlight')} ${x.value(-1)}, ${x.name('reaped')} ${x.value(1)}`,
    `${path}.${x.name('e')} = ${x.value(entry.e)} AND ${path}.${x.name('r')} = ${x.value(entry.r)}`,
  );
}

/** Starts (or lengthens, never shortens) a shard's cooldown. */
export function cooldownUpdate(pk: string, until: number): UpdateInput {
  const x = new Expr();
  const attr = x.name('cooldownUntil');
  return x.input(pk, `SET ${attr} = ${x.value(until)}`, `attribute_exists(${x.name('pk')}) AND ${attr} < ${x.value(until)}`);
}

/** Counters a shard item starts with; `if_not_exists` keeps the live values of an existing shard. */
const LIVE_DEFAULTS: Record<string, unknown> = {
  leases: {}, inFlight: 0, cooldownUntil: 0, failures: 0, rlWin: -1, rlReq: 0, rlTok: 0,
  processed: 0, errors: 0, latSum: 0, latCount: 0, tokIn: 0, tokOut: 0, reaped: 0,
};

/** Creates a shard item or updates its description, keeping its live state. */
export function putShardUpdate(pk: string, modelId: string, plan: ShardPlan): UpdateInput {
  const x = new Expr();
  const set = [
    `${x.name('kind')} = ${x.value('shard')}`,
    `${x.name('modelId')} = ${x.value(modelId)}`,
    `${x.name('shard')} = ${x.value(plan.shard)}`,
    `${x.name('tag')} = ${x.value(plan.tag)}`,
    `${x.name('capacity')} = ${x.value(plan.capacity)}`,
  ];
  for (const [attr, v] of Object.entries(LIVE_DEFAULTS)) set.push(`${x.name(attr)} = if_not_exists(${x.name(attr)}, ${x.value(v)})`);
  const remove: string[] = [];
  for (const attr of ['rpm', 'tpm'] as const) {
    const v = plan[attr];
    if (v === undefined) remove.push(x.name(attr));
    else set.push(`${x.name(attr)} = ${x.value(v)}`);
  }
  return x.input(pk, join(clause('SET', set), clause('REMOVE', remove)), undefined);
}

/** Freezes a shard while the model's shard count changes: admission's tag condition then fails. */
export function freezeShardUpdate(pk: string): UpdateInput {
  const x = new Expr();
  return x.input(pk, `SET ${x.name('tag')} = ${x.value(FROZEN_TAG)}`, `attribute_exists(${x.name('pk')})`);
}
