import type { LeaseEntry } from './items.js';
import { Expr, admissionConditions, clause, join, recordReport } from './dynamo-expressions.js';
import type { UpdateInput } from './dynamo-expressions.js';
import { hasRateLimit, releasedCarry } from './rules.js';
import type { GrantAttempt } from './rules.js';
import type { CallReport } from './types.js';

/** The finished call a hand-off records, as `releaseUpdate` would. */
export interface FinishedCall {
  report: CallReport | undefined;
  /** New EWMA computed by the caller (undefined: start it if absent). */
  ewma: number | undefined;
}

/**
 * The hand-off write: removes lease `a.replaces`, adds `entry` under `a.keys[0]`, records the
 * finished call, and leaves `inFlight` as it is — only if the old lease is still held, the new one
 * is not, and the new request passes admission with the old lease replaced (`inFlight <= limit`),
 * plus its rate-limit charge in window `window` (started when `rollover`). The old call's token
 * reconciliation (`releasedCarry`) goes into the same counter, as release + acquire would leave it.
 */
export function handOffUpdate(pk: string, a: GrantAttempt, entry: LeaseEntry, window: number, rollover: boolean, old: FinishedCall): UpdateInput {
  const x = new Expr();
  const oldPath = x.lease(a.replaces!);
  const newPath = x.lease(a.keys[0]!);
  const set = [`${newPath} = ${x.value(entry)}`];
  const add: string[] = [];
  const cond = [...admissionConditions(x, a, 0), `attribute_exists(${oldPath})`, `attribute_not_exists(${newPath})`];
  if (old.report) recordReport(x, set, add, old.report, old.ewma);
  if (a.maxFailures !== undefined) cond.push(`${x.name('failures')} <= ${x.value(a.maxFailures)}`);
  if (hasRateLimit(a.plan)) {
    if (rollover) {
      set.push(`${x.name('rlWin')} = ${x.value(window)}`, `${x.name('rlReq')} = ${x.value(1)}`, `${x.name('rlTok')} = ${x.value(a.tokensEach)}`);
      cond.push(`${x.name('rlWin')} < ${x.value(window)}`);
    } else {
      const tokens = a.tokensEach + releasedCarry(a.released, window, false);
      add.push(`${x.name('rlReq')} ${x.value(1)}`, `${x.name('rlTok')} ${x.value(tokens)}`);
      cond.push(`${x.name('rlWin')} = ${x.value(window)}`);
      if (a.plan.rpm !== undefined) cond.push(`${x.name('rlReq')} <= ${x.value(a.plan.rpm - 1)}`);
      if (a.plan.tpm !== undefined) cond.push(`${x.name('rlTok')} <= ${x.value(a.plan.tpm - tokens)}`);
    }
  }
  const input = x.input(pk, join(clause('SET', set), `REMOVE ${oldPath}`, clause('ADD', add)), cond.join(' AND '));
  input.ReturnValuesOnConditionCheckFailure = 'ALL_OLD';
  if (old.report) input.ReturnValues = 'UPDATED_NEW';
  return input;
}
