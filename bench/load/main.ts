// `npm run bench -- load --scenario <name>`: runs scenarios as separate processes, the way a user
// runs them (sim, agentsched dev, a load generator), writes <out>/<scenario>.json and .svg.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLoadArgs } from './args.js';
import { services } from './env.js';
import { stopAll } from './procs.js';
import { round } from './stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function machine(): Record<string, unknown> {
  return {
    cores: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: process.platform,
    mem_gb: round(totalmem() / 2 ** 30, 1),
    loadavg_1m: round(loadavg()[0] ?? 0, 2),
  };
}

export async function run(argv: string[]): Promise<unknown> {
  const args = parseLoadArgs(argv, ROOT);
  if (!existsSync(join(args.schedulerDir, 'lib/cli/main.ts'))) throw new Error(`--scheduler-dir ${args.schedulerDir}: no lib/cli/main.ts there`);
  const svc = await services(ROOT);
  mkdirSync(args.out, { recursive: true });
  const ctx = { root: ROOT, schedulerDir: args.schedulerDir, svc, log: args.log, set: args.set };
  const results: Record<string, unknown>[] = [];
  try {
    for (const scenario of args.scenarios) {
      process.stderr.write(`load bench: ${scenario.name}: ${scenario.summary}\n`);
      const before = machine();
      const started = Date.now();
      const out = await scenario.run(ctx, {
        ...(args.seconds !== undefined ? { seconds: args.seconds } : {}),
        ...(args.rate !== undefined ? { rate: args.rate } : {}),
        ...(args.drainS !== undefined ? { drainS: args.drainS } : {}),
      });
      const result = {
        scenario: scenario.name,
        summary: scenario.summary,
        command: `npm run --silent bench -- load --scenario ${scenario.name}${argv.includes('--seconds') ? ` --seconds ${args.seconds}` : ''}${argv.includes('--rate') ? ` --rate ${args.rate}` : ''}${args.set.map(([k, v]) => ` --set ${k.join('.')}=${JSON.stringify(v)}`).join('')}`,
        measured_at: new Date(started).toISOString(),
        wall_s: round((Date.now() - started) / 1000, 1),
        machine: { ...before, loadavg_1m_after: round(loadavg()[0] ?? 0, 2), shared: 'other processes used this machine meanwhile' },
        scheduler_dir: args.schedulerDir === ROOT ? '.' : args.schedulerDir,
        config: out.config,
        sent: out.counts.sent,
        answered: out.counts.answered,
        lost: out.counts.lost,
        duplicates: out.counts.duplicates,
        duplicates_identical: out.counts.duplicates_identical,
        failed: out.counts.failed,
        violations: out.violations,
        ...out.figures,
      };
      writeFileSync(join(args.out, `${scenario.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(join(args.out, `${scenario.name}.svg`), out.svg);
      process.stderr.write(`load bench: ${scenario.name}: wrote ${join(args.out, `${scenario.name}.json`)} and .svg\n`);
      results.push(result);
    }
  } finally {
    await stopAll();
  }
  return results.length === 1 ? results[0] : results;
}
