// `npm run bench:report [-- --dir DIR] [--readme FILE]`: a markdown table of the load bench's
// results (DIR/*.json, default bench/results) written into README.md between the markers
// <!-- load-bench:start --> and <!-- load-bench:end -->.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { comparison } from './compare.js';
import { at } from './paths.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const START = '<!-- load-bench:start -->';
export const END = '<!-- load-bench:end -->';
const ORDER = ['overhead', 'hol', 'saturation', 'priority', 'throughput', 'recovery', 'long'];

const ResultSchema = z
  .object({
    scenario: z.string(),
    command: z.string().optional(),
    measured_at: z.string().optional(),
    machine: z.object({ cores: z.number(), node: z.string(), loadavg_1m: z.number().optional(), loadavg_1m_after: z.number().optional() }).loose(),
    sent: z.number(),
    answered: z.number(),
    lost: z.number(),
    duplicates: z.number(),
    duplicates_identical: z.boolean().optional(),
    violations: z.number(),
  })
  .loose();
type Result = z.infer<typeof ResultSchema>;

function pcts(r: Result, path: string): string {
  return `${at(r, `${path}.p50`)} / ${at(r, `${path}.p95`)} / ${at(r, `${path}.p99`)}`;
}

function prio(r: Result, path: string): string {
  return ['high', 'medium', 'low'].map((p) => `${p} ${at(r, `${path}.${p}.p50_ms`)} / ${at(r, `${path}.${p}.p99_ms`)}`).join('; ');
}

function byCommand(r: Result): string {
  const raw = (r['table_calls_per_request'] as { by_command?: Record<string, number> } | null | undefined)?.by_command;
  return raw ? Object.entries(raw).map(([k, v]) => `${k.replace(/Command$/, '')} ${v}`).join(', ') : '—';
}

function figures(r: Result): string {
  switch (r.scenario) {
    case 'overhead':
      return `overhead p50/p95/p99 ${pcts(r, 'overhead_ms')} ms; floor ${pcts(r, 'floor_ms')} ms; overhead ÷ floor (p50/p99) ${at(r, 'overhead_over_floor.p50')} / ${at(r, 'overhead_over_floor.p99')}; per priority p50/p99: ${prio(r, 'by_priority')}; CPU ${at(r, 'cpu_ms_per_request')} ms/req`;
    case 'hol':
      return `overhead of non-stalled p50/p95/p99 ${pcts(r, 'overhead_ms')} ms (${at(r, 'stall.stalled')} stalled); per priority p50/p99: ${prio(r, 'by_priority')}`;
    case 'saturation':
      return `utilization ${at(r, 'utilization')} (default shares), ${at(r, 'utilization_equal_shares')} (1/1/1); completions/s ${at(r, 'variants.default_shares.completions_per_s')} / ${at(r, 'variants.equal_shares.completions_per_s')} of bound ${at(r, 'variants.default_shares.fleet_bound_per_s')}; offered ${at(r, 'offered_per_s')}/s`;
    case 'priority':
      return `high p50/p99 baseline ${at(r, 'phases.baseline.high.p50_ms')} / ${at(r, 'phases.baseline.high.p99_ms')} ms, with low 3× ${at(r, 'phases.overload.high.p50_ms')} / ${at(r, 'phases.overload.high.p99_ms')} ms (ratio ${at(r, 'priority_ratio.p50')} / ${at(r, 'priority_ratio.p99')}); high completed ${at(r, 'high_completed_share')}; high share of completions in overload ${at(r, 'high_share_of_completions_in_overload')}; low completed ${at(r, 'phases.overload.low.completed')}/${at(r, 'phases.overload.low.sent')} (starved: ${at(r, 'low_starved')})`;
    case 'throughput':
      return `steady ${at(r, 'completions_per_s')} completions/s (offered ${at(r, 'offered_per_s')}/s); scheduler CPU ${at(r, 'cpu_ms_per_request')} ms/req; DynamoDB calls/req ${at(r, 'table_calls_per_request.total')} (write calls ${at(r, 'table_calls_per_request.writes')}: ${byCommand(r)}; items written ${at(r, 'table_calls_per_request.items_written')})`;
    case 'recovery':
      return `back to ≥ 90 % of the offered rate ${at(r, 'recovery_s')} s after each restart (— = killed again first; consuming again after ${at(r, 'consuming_after_restart_s')} s); duplicates identical: ${at(r, 'duplicates_identical')}; leases left after reap ${at(r, 'leases_left_after_reap')}; kills at ${(r['kills'] as { killed_at_s: number }[] | undefined)?.map((k) => `+${k.killed_at_s} s`).join(', ') ?? '—'}`;
    case 'long':
      return `mean call ${at(r, 'mean_llm_ms')} ms at ${at(r, 'offered_per_s')}/s; overhead p50/p95/p99 ${pcts(r, 'overhead_ms')} ms; DynamoDB calls/req ${at(r, 'table_calls_per_request.total')} (write calls ${at(r, 'table_calls_per_request.writes')}: ${byCommand(r)}; items written ${at(r, 'table_calls_per_request.items_written')}); CPU ${at(r, 'cpu_ms_per_request')} ms/req`;
    default:
      return '—';
  }
}

export function loadResults(dir: string): Result[] {
  if (!existsSync(dir)) return [];
  const out: Result[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const parsed = ResultSchema.safeParse(JSON.parse(readFileSync(join(dir, f), 'utf8')));
    if (parsed.success && ORDER.includes(parsed.data.scenario)) out.push(parsed.data);
  }
  return out.sort((a, b) => ORDER.indexOf(a.scenario) - ORDER.indexOf(b.scenario));
}

export function markdown(results: readonly Result[], dir: string, readmeDir: string): string {
  if (results.length === 0) return 'No results yet: run `npm run --silent bench -- load --scenario all`.';
  const rel = relative(readmeDir, dir) || '.';
  const m = results[0]!.machine;
  const lines = [
    ...comparison(dir, loadResults),
    `Measured ${results[0]!.measured_at?.slice(0, 10) ?? ''} on ${m.cores} cores, Node ${m.node}; the machine was shared with other work (load average ${results.map((r) => r.machine.loadavg_1m ?? '?').join(', ')} at the start of each scenario).`,
    '',
    '| scenario | sent | answered | lost | duplicates | violations | figures | command |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| [${r.scenario}](${rel}/${r.scenario}.json) | ${r.sent} | ${r.answered} | ${r.lost} | ${r.duplicates} | ${r.violations} | ${figures(r)} | \`${r.command ?? `npm run --silent bench -- load --scenario ${r.scenario}`}\` |`,
    ),
    '',
    ...results.flatMap((r) => [`![${r.scenario}](${rel}/${r.scenario}.svg)`, '']),
  ];
  return lines.join('\n').trimEnd();
}

export function writeReadme(readme: string, block: string): void {
  const text = readFileSync(readme, 'utf8');
  const s = text.indexOf(START);
  const e = text.indexOf(END);
  if (s < 0 || e < s) throw new Error(`${readme}: markers ${START} / ${END} not found`);
  writeFileSync(readme, `${text.slice(0, s + START.length)}\n${block}\n${text.slice(e)}`);
}

function main(argv: string[]): void {
  const get = (n: string): string | undefined => {
    const i = argv.indexOf(`--${n}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const dir = resolve(get('dir') ?? join(ROOT, 'bench/results'));
  const readme = resolve(get('readme') ?? join(ROOT, 'README.md'));
  const results = loadResults(dir);
  writeReadme(readme, markdown(results, dir, resolve(readme, '..')));
  process.stdout.write(`bench:report: ${results.length} scenario(s) from ${dir} written into ${readme}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
