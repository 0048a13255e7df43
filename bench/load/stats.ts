// Figures from per-request records: percentiles, counts, completions per second.
import { PRIORITY_NAMES } from './records.js';
import type { LoadRecord, PriorityName } from './records.js';

export const round = (x: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** Nearest-rank percentile of unsorted values (0 when empty). */
export function pct(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export interface Pcts {
  p50: number;
  p95: number;
  p99: number;
}

export function pcts(values: readonly number[]): Pcts {
  return { p50: round(pct(values, 50)), p95: round(pct(values, 95)), p99: round(pct(values, 99)) };
}

export const e2e = (r: LoadRecord): number => r.recv! - r.sent;
export const overhead = (r: LoadRecord): number => r.recv! - r.sent - (r.llm_ms ?? 0);
export const answeredOf = (rs: readonly LoadRecord[]): LoadRecord[] => rs.filter((r) => r.recv !== null);

export interface Counts {
  sent: number;
  answered: number;
  lost: number;
  duplicates: number;
  duplicates_identical: boolean;
  failed: number;
}

export function counts(rs: readonly LoadRecord[]): Counts {
  const sent = rs.filter((r) => r.send_error === undefined);
  const answered = answeredOf(sent).length;
  const dups = sent.filter((r) => r.copies > 1);
  return {
    sent: sent.length,
    answered,
    lost: sent.length - answered,
    duplicates: dups.reduce((n, r) => n + r.copies - 1, 0),
    duplicates_identical: dups.every((r) => r.identical),
    failed: sent.filter((r) => r.status !== null && r.status !== 'completed').length,
  };
}

export interface PriorityFigures {
  p50_ms: number;
  p99_ms: number;
  completed: number;
  sent: number;
}

/** Per priority: p50/p99 of `metric` over completed answers, completed and sent counts. */
export function byPriority(rs: readonly LoadRecord[], metric: (r: LoadRecord) => number): Record<PriorityName, PriorityFigures> {
  const out = {} as Record<PriorityName, PriorityFigures>;
  for (const p of PRIORITY_NAMES) {
    const mine = rs.filter((r) => r.priority === p);
    const done = mine.filter((r) => r.status === 'completed' && r.recv !== null);
    const vals = done.map(metric);
    out[p] = { p50_ms: round(pct(vals, 50)), p99_ms: round(pct(vals, 99)), completed: done.length, sent: mine.length };
  }
  return out;
}

/** First answers per `bucketS` seconds since `start` (epoch ms), up to `untilMs`. */
export function perSecond(rs: readonly LoadRecord[], start: number, untilMs: number, bucketS = 1): number[] {
  const n = Math.max(1, Math.ceil((untilMs - start) / (bucketS * 1000)));
  const out = new Array<number>(n).fill(0);
  for (const r of rs) {
    if (r.recv === null) continue;
    const i = Math.floor((r.recv - start) / (bucketS * 1000));
    if (i >= 0 && i < n) out[i]! += 1 / bucketS;
  }
  return out;
}

/** Answers per second received within [fromMs, toMs) (epoch ms). */
export function rateIn(rs: readonly LoadRecord[], fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  const n = rs.filter((r) => r.recv !== null && r.recv >= fromMs && r.recv < toMs).length;
  return n / ((toMs - fromMs) / 1000);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The latest answer time (epoch ms), or `fallback`. */
export function lastRecv(rs: readonly LoadRecord[], fallback: number): number {
  return rs.reduce((m, r) => (r.recv !== null && r.recv > m ? r.recv : m), fallback);
}

/**
 * Seconds from `restartAt` until a full 1 s window (starting at or after the restart, sliding by
 * 100 ms) holds at least `threshold` answers; null when it never does before `untilMs`.
 */
export function recoverySeconds(rs: readonly LoadRecord[], restartAt: number, untilMs: number, threshold: number): number | null {
  const times = rs.filter((r) => r.recv !== null && r.recv >= restartAt).map((r) => r.recv!).sort((a, b) => a - b);
  let lo = 0;
  for (let end = restartAt + 1000; end <= untilMs; end += 100) {
    while (lo < times.length && times[lo]! < end - 1000) lo++;
    let hi = lo;
    while (hi < times.length && times[hi]! < end) hi++;
    if (hi - lo >= threshold) return round((end - restartAt) / 1000, 1);
  }
  return null;
}
