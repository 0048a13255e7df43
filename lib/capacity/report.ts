import type { CallReport } from './types.js';

/** How many calls a report stands for (a merged report sums several). */
export const callsOf = (r: CallReport): number => r.calls ?? 1;

/** The mean latency of the successful calls a report stands for (what latency averages learn). */
export const meanLatency = (r: CallReport): number => r.latencyMs / callsOf(r);

/**
 * One report for successive calls on the same slot, so a slot that moves on without writing its
 * capacity item records them all with its next write. `earlier` holds successes only (a failure is
 * always written at once: cooldowns depend on it). Merged into a success, the latencies add up;
 * merged into a failure, the earlier calls count as processed and their tokens are kept, but
 * their latency is not learnt (a failure's latency says nothing about the model's speed).
 */
export function mergeReports(earlier: CallReport | undefined, next: CallReport | undefined): CallReport | undefined {
  if (!earlier) return next;
  if (!next) return earlier;
  if (!earlier.ok) throw new Error('a failure report is written at once, never carried');
  const merged: CallReport = {
    ...next,
    calls: callsOf(earlier) + callsOf(next),
    promptTokens: earlier.promptTokens + next.promptTokens,
    completionTokens: earlier.completionTokens + next.completionTokens,
  };
  if (next.ok) merged.latencyMs = earlier.latencyMs + next.latencyMs;
  return merged;
}
