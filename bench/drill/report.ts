// From what a drill measured to its row: counts, recovery, the checks and one printed line.
import { addressable, isPoison } from './messages.js';
import type { Drill, Measured } from './types.js';

export interface DrillRow {
  drill: string;
  requests: number;
  answered: number;
  /** Requests that left no trace: addressable and unanswered, or poison without a dead letter. */
  lost: number;
  completed: number;
  failed: number;
  /** Answers that do not fit the fault (e.g. a failure where only completions fit). */
  unfit: number;
  duplicates: number;
  duplicates_identical: boolean;
  duplicates_flagged: number;
  /** Of the differing duplicates, those equal to their first copy as JSON, only encoded in another order. */
  duplicates_reencoded: number;
  dead_letters: number;
  violations: number;
  /** Calls the simulated fleet received after the warm-up, and how many it answered 200. */
  model_calls: number;
  model_calls_completed: number;
  /** Calls that reached the 429'd model inside its Retry-After pause (null: not measured). */
  early_after_429: number | null;
  leaked_leases: number;
  reaped_leases: number;
  left_in_queue: number;
  /** Seconds from the fault's end until answers flow at half the offered rate again (null: no outage). */
  recovery_s: number | null;
  fault_s: number | null;
  extra: Record<string, boolean>;
  /** Scheduler processes that exited on their own (with their last stderr lines). */
  crashes: string[];
  /** Second copies that differ from their first: what differs (only when some do). */
  differing?: NonNullable<Measured['outcomes'][number]['differs']>[];
  /** Requests without their answer: where each is (only when some are lost). */
  lost_detail?: Measured['lostDetail'];
  lag?: Record<string, number>;
  failed_checks: string[];
  ok: boolean;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * Seconds from `end` until the next second holds at least half the offered rate of answers, or
 * until every request sent by then has its answer (a backlog already cleared), whichever is first.
 */
export function recoverySeconds(m: Measured): number | null {
  if (!m.fault || m.fault.end === null) return null;
  const end = m.fault.end;
  const times = m.outcomes.map((o) => o.answeredAt).filter((t): t is number => t !== null).sort((a, b) => a - b);
  const need = Math.max(1, Math.floor(m.rate / 2));
  const candidates = [end, ...times.filter((t) => t >= end)];
  for (const t of candidates) {
    const inNextSecond = times.filter((x) => x >= t && x < t + 1_000).length;
    const pending = m.outcomes.some((o) => addressable(o.kind) && o.sent <= t && (o.answeredAt === null || o.answeredAt > t));
    if (inNextSecond >= need || !pending) return round1(Math.max(0, t - end) / 1000);
  }
  return null;
}

export function rowOf(drill: Drill, m: Measured): DrillRow {
  const o = m.outcomes;
  const answered = o.filter((x) => x.copies > 0);
  const dups = o.filter((x) => x.copies > 1);
  const lost = o.filter((x) => (addressable(x.kind) && x.copies === 0) || (isPoison(x.kind) && x.deadLetters === 0)).length;
  const unfit = answered.filter((x) => !drill.fits(x.kind, x.status ?? '', x.code)).length;
  const extra = drill.extra?.(m) ?? {};
  const row: DrillRow = {
    drill: drill.name,
    requests: o.length,
    answered: answered.length,
    lost,
    completed: o.filter((x) => x.status === 'completed').length,
    failed: o.filter((x) => x.status === 'failed').length,
    unfit,
    duplicates: dups.reduce((n, x) => n + x.copies - 1, 0),
    duplicates_identical: dups.every((x) => x.identical),
    duplicates_flagged: o.reduce((n, x) => n + x.flagged, 0),
    duplicates_reencoded: o.reduce((n, x) => n + x.reencoded, 0),
    dead_letters: o.reduce((n, x) => n + x.deadLetters, 0),
    violations: m.sim.violations,
    model_calls: m.sim.requests,
    model_calls_completed: m.sim.completed,
    early_after_429: m.earlyAfter429,
    leaked_leases: m.leasesLeft,
    reaped_leases: m.reaped,
    left_in_queue: m.queueLeft,
    recovery_s: recoverySeconds(m),
    fault_s: m.fault && m.fault.end !== null ? round1((m.fault.end - m.fault.start) / 1000) : null,
    extra,
    crashes: m.unexpectedExits,
    ...(dups.some((x) => x.differs) ? { differing: dups.flatMap((x) => (x.differs ? [x.differs] : [])) } : {}),
    ...(m.lostDetail.length > 0 ? { lost_detail: m.lostDetail, lag: m.lag } : {}),
    failed_checks: [],
    ok: true,
  };
  const checks: Record<string, boolean> = {
    answered_all: row.answered === o.filter((x) => addressable(x.kind)).length,
    lost_zero: row.lost === 0,
    answers_fit_fault: row.unfit === 0,
    duplicates_identical: row.duplicates_identical,
    violations_zero: row.violations === 0,
    leases_zero_after_reap: row.leaked_leases === 0,
    queue_empty: row.left_in_queue === 0,
    no_crash: row.crashes.length === 0,
    ...extra,
  };
  row.failed_checks = Object.entries(checks).filter(([, ok]) => !ok).map(([k]) => k);
  row.ok = row.failed_checks.length === 0;
  return row;
}

const COLUMNS: [string, (r: DrillRow) => string][] = [
  ['drill', (r) => r.drill],
  ['requests', (r) => String(r.requests)],
  ['answered', (r) => String(r.answered)],
  ['lost', (r) => String(r.lost)],
  ['duplicates', (r) => `${r.duplicates}${r.duplicates > 0 ? (r.duplicates_identical ? ' (identical)' : ` (DIFFER${r.duplicates_reencoded > 0 ? `: ${r.duplicates_reencoded} re-encoded` : ''})`) : ''}`],
  ['violations', (r) => String(r.violations)],
  ['leaked leases', (r) => String(r.leaked_leases)],
  ['recovery s', (r) => (r.recovery_s === null ? '—' : r.recovery_s.toFixed(1))],
  ['completed / failed', (r) => `${r.completed} / ${r.failed}`],
  ['result', (r) => (r.ok ? 'ok' : `FAILED: ${r.failed_checks.join(', ')}`)],
];

/** A markdown table header (two lines), so the printed lines paste as a table. */
export function header(): string {
  return `| ${COLUMNS.map(([h]) => h).join(' | ')} |\n|${COLUMNS.map(() => ' --- |').join('')}`;
}

export function line(r: DrillRow): string {
  return `| ${COLUMNS.map(([, f]) => f(r)).join(' | ')} |`;
}

/** The row of a drill that could not run to the end (its harness or the system failed outright). */
export function errorRow(drill: string, requests: number, err: unknown): DrillRow {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  return {
    drill,
    requests,
    answered: 0,
    lost: requests,
    completed: 0,
    failed: 0,
    unfit: 0,
    duplicates: 0,
    duplicates_identical: true,
    duplicates_flagged: 0,
    duplicates_reencoded: 0,
    dead_letters: 0,
    violations: 0,
    model_calls: 0,
    model_calls_completed: 0,
    early_after_429: null,
    leaked_leases: 0,
    reaped_leases: 0,
    left_in_queue: 0,
    recovery_s: null,
    fault_s: null,
    extra: {},
    crashes: [],
    failed_checks: [`error: ${message}`],
    ok: false,
  };
}
