// The "before → after" table of `npm run bench:report`: the headline figures of each scenario from
// DIR/baseline (the previous scheduler, run with `--scheduler-dir`) beside DIR (this one), measured
// in one run, and the priority scenario with headroom shares from DIR/headroom when present.
import { join } from 'node:path';
import { at } from './paths.js';

type Loose = Record<string, unknown> & { scenario: string };

const get = (r: Loose | undefined, path: string): string => at(r, path);

/** Scenario → [label, dotted paths joined with " / "] rows. */
const ROWS: [string, string, string[]][] = [
  ['overhead', 'added latency p50 / p99, ms (floor beside it)', ['overhead_ms.p50', 'overhead_ms.p99']],
  ['overhead', 'two Kafka hops (floor) p50 / p99, ms', ['floor_ms.p50', 'floor_ms.p99']],
  ['hol', 'added latency of the others p50 / p99, ms (2 % stall 10 s)', ['overhead_ms.p50', 'overhead_ms.p99']],
  ['saturation', 'fleet utilization, default config', ['utilization']],
  ['priority', 'high p99 alone / with low at 3×, ms', ['phases.baseline.high.p99_ms', 'phases.overload.high.p99_ms']],
  ['priority', 'high p99 ratio; high completed; low completed', ['priority_ratio.p99', 'high_completed_share', 'phases.overload.low.completed']],
  ['throughput', 'completions/s (instant model, 300/s offered)', ['completions_per_s']],
  ['throughput', 'scheduler CPU ms / request', ['cpu_ms_per_request']],
  ['throughput', 'DynamoDB calls / write calls per request', ['table_calls_per_request.total', 'table_calls_per_request.writes']],
  ['throughput', 'items written per request (a batched call writes several)', ['table_calls_per_request.items_written']],
  ['recovery', 'seconds back to ≥ 90 % after each restart', ['recovery_s']],
  ['recovery', 'lost; duplicates (identical); leases left after reap', ['lost', 'duplicates', 'duplicates_identical', 'leases_left_after_reap']],
  ['long', 'DynamoDB calls / write calls / items written per request (10 s calls; the previous model wrote one item per write call)', ['table_calls_per_request.total', 'table_calls_per_request.writes', 'table_calls_per_request.items_written']],
];

export function comparison(dir: string, load: (dir: string) => readonly Loose[]): string[] {
  const before = load(join(dir, 'baseline'));
  const after = load(dir);
  if (before.length === 0) return [];
  const headroom = load(join(dir, 'headroom')).find((r) => r.scenario === 'priority');
  const of = (list: readonly Loose[], s: string): Loose | undefined => list.find((r) => r.scenario === s);
  const lines = [
    'Before → after, measured in one run, scenario by scenario (`bash scripts/bench-side-by-side.sh <checkout of the previous scheduler>`):',
    '',
    '| scenario | figure | previous execution model | wait queue + call function |',
    '| --- | --- | --- | --- |',
    ...ROWS.map(([s, label, paths]) => `| ${s} | ${label} | ${paths.map((p) => get(of(before, s), p)).join(' / ')} | ${paths.map((p) => get(of(after, s), p)).join(' / ')} |`),
  ];
  if (headroom) {
    lines.push(
      `| priority | same, with headroom shares 0.9 / 0.75 (\`--set capacity.priority_shares=…\`) | | ${['phases.baseline.high.p99_ms', 'phases.overload.high.p99_ms', 'priority_ratio.p99', 'high_completed_share', 'phases.overload.low.completed'].map((p) => get(headroom, p)).join(' / ')} |`,
    );
  }
  return [...lines, ''];
}
