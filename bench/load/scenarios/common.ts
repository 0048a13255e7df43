// What every scenario shares: arrival plans, per-run figures (counts, CPU, DynamoDB calls).
import { poisson } from '../records.js';
import type { Arrival, LoadRecord } from '../records.js';
import type { Context, RunOutput } from '../run.js';
import { ITEMS_WRITTEN } from '../../../lib/scheduler/table-ops.js';
import { counts, round } from '../stats.js';
import type { Counts } from '../stats.js';

/** The demo fleet: gpt-3.5 ×5, gpt-4-turbo ×3, gpt-4-o ×10. */
export const FLEET_SLOTS = 18;

export interface ScenarioOptions {
  seconds?: number;
  rate?: number;
  /** Longest wait for answers after the send phase (default per scenario). */
  drainS?: number;
}

export interface ScenarioOutput {
  /** The configuration `agentsched dev` ran with (the first scheduler run's). */
  config: Record<string, unknown> | null;
  counts: Counts;
  violations: number;
  figures: Record<string, unknown>;
  svg: string;
}

export interface Scenario {
  name: string;
  summary: string;
  run(ctx: Context, o: ScenarioOptions): Promise<ScenarioOutput>;
}

/**
 * Poisson arrivals at `ratePerS` over [fromS, toS), each of a priority drawn from `priorities`
 * (0 high, 1 medium, 2 low; uniform), task text_generation (90 %) or data_processing (10 %).
 */
export function arrivals(ratePerS: number, fromS: number, toS: number, phase = 0, priorities: number[] = [0, 1, 2]): Arrival[] {
  return poisson(ratePerS, fromS * 1000, toS * 1000).map((at): Arrival => [
    at,
    priorities[Math.floor(Math.random() * priorities.length)]!,
    Math.random() < 0.9 ? 0 : 1,
    phase,
  ]);
}

export function merge(...lists: Arrival[][]): Arrival[] {
  return lists.flat().sort((a, b) => a[0] - b[0]);
}

export interface DrainOptions {
  drainIdleMs: number;
  drainMaxMs: number;
}

export const drain = (o: ScenarioOptions, defaultS: number): DrainOptions => ({
  drainIdleMs: 30_000,
  drainMaxMs: Math.round((o.drainS ?? defaultS) * 1000),
});

/** Write calls; a `BatchExecuteStatement` of the scheduler's is writes only (lib/queue/write-batcher.ts). */
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand', 'BatchExecuteStatementCommand']);

const perRequest = (entries: [string, number][], n: number): Record<string, number> =>
  Object.fromEntries(entries.filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(v / n, 2)]));

/** Scheduler cost of a run: CPU ms and DynamoDB calls per answered request. */
export function cost(run: RunOutput, answered: number): Record<string, unknown> {
  const n = Math.max(1, answered);
  // Keys `<table>.<Command>` break the same calls down by table.
  const byTable = run.tableOps ? Object.entries(run.tableOps).filter(([k]) => k.includes('.') && k !== ITEMS_WRITTEN) : [];
  const itemsWritten = run.tableOps?.[ITEMS_WRITTEN];
  const ops = run.tableOps ? Object.fromEntries(Object.entries(run.tableOps).filter(([k]) => !k.includes('.'))) : null;
  const total = ops ? Object.values(ops).reduce((a, b) => a + b, 0) : null;
  const writes = ops ? Object.entries(ops).filter(([k]) => WRITES.has(k)).reduce((a, [, v]) => a + v, 0) : null;
  return {
    cpu_ms_per_request: run.cpuMs === null ? null : round(run.cpuMs / n, 2),
    scheduler_cpu_ms: run.cpuMs,
    table_calls_per_request:
      ops === null
        ? null
        : {
            total: round(total! / n, 2),
            writes: round(writes! / n, 2),
            // Items written: a batched call writes several (DynamoDB bills each as its own write).
            ...(itemsWritten === undefined ? {} : { items_written: round(itemsWritten / n, 2) }),
            by_command: perRequest(Object.entries(ops), n),
            ...(byTable.length > 0 ? { by_table: perRequest(byTable, n) } : {}),
          },
  };
}

export function runCounts(run: RunOutput): Counts {
  return counts(run.records);
}

export const violationsOf = (run: RunOutput): number => run.sim?.violations ?? 0;

/** What every single-run scenario reports of its run besides its figures: config, counts, violations. */
export const outcomeOf = (run: RunOutput): Pick<ScenarioOutput, 'config' | 'counts' | 'violations'> => ({
  config: run.config,
  counts: runCounts(run),
  violations: violationsOf(run),
});

export const completed = (rs: readonly LoadRecord[]): LoadRecord[] => rs.filter((r) => r.recv !== null && r.status === 'completed');

export function sumCounts(a: Counts, b: Counts): Counts {
  return {
    sent: a.sent + b.sent,
    answered: a.answered + b.answered,
    lost: a.lost + b.lost,
    duplicates: a.duplicates + b.duplicates,
    duplicates_identical: a.duplicates_identical && b.duplicates_identical,
    failed: a.failed + b.failed,
  };
}
