// `npm run drill [--only NAME] [--requests N] [--json]`: the fault drills, one line per drill.
import { fileURLToPath } from 'node:url';
import { services } from '../load/env.js';
import { stopAll } from '../load/procs.js';
import { DRILL_NAMES, DRILLS } from './drills.js';
import { errorRow, header, line } from './report.js';
import type { DrillRow } from './report.js';
import { runDrill } from './run-drill.js';
import type { DrillEnv } from './run-drill.js';
import { startOwn } from './services.js';
import type { Drill } from './types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const USAGE = `npm run drill -- [--only NAME[,NAME...]] [--requests N (default 300)] [--rate R (default 25/s)] [--json] [--log]
${DRILLS.map((d) => `  ${d.name.padEnd(19)} ${d.summary}`).join('\n')}`;

export interface DrillArgs {
  drills: Drill[];
  requests: number;
  rate: number;
  json: boolean;
  log: boolean;
}

export function parseDrillArgs(argv: readonly string[]): DrillArgs {
  const out: DrillArgs = { drills: [...DRILLS], requests: 300, rate: 25, json: false, log: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const num = (): number => {
      const n = Number(value);
      if (value === undefined || !Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer\n${USAGE}`);
      i++;
      return n;
    };
    if (flag === '--only') {
      const names = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((n) => !DRILL_NAMES.includes(n));
      if (names.length === 0 || unknown.length > 0) throw new Error(`--only: unknown drill "${unknown.join(', ')}"; drills: ${DRILL_NAMES.join(', ')}\n${USAGE}`);
      out.drills = DRILLS.filter((d) => names.includes(d.name));
      i++;
    } else if (flag === '--requests') out.requests = num();
    else if (flag === '--rate') out.rate = num();
    else if (flag === '--json') out.json = true;
    else if (flag === '--log') out.log = true;
    else throw new Error(`unknown argument "${flag}"\n${USAGE}`);
  }
  return out;
}

/**
 * Runs the drills in turn, calling `print` with each row as it is done. The drill's own broker and
 * table (for broker-down / table-down) are started once and removed at the end.
 */
export async function runDrills(args: DrillArgs, print: (row: DrillRow) => void = () => undefined): Promise<DrillRow[]> {
  const shared = await services(ROOT);
  const env: DrillEnv = { root: ROOT, shared, own: {}, log: args.log };
  const rows: DrillRow[] = [];
  try {
    if (args.drills.some((d) => d.needs?.kafka === 'own')) env.own.kafka = await startOwn(ROOT, 'kafka', shared);
    if (args.drills.some((d) => d.needs?.dynamodb === 'own')) env.own.dynamodb = await startOwn(ROOT, 'dynamodb', shared);
    for (const drill of args.drills) {
      const row = await runDrill(drill, { requests: args.requests, rate: args.rate, small: args.requests < 300 }, env).catch((err: unknown) =>
        errorRow(drill.name, args.requests, err),
      );
      rows.push(row);
      print(row);
    }
  } finally {
    await stopAll();
    await env.own.kafka?.destroy();
    await env.own.dynamodb?.destroy();
  }
  return rows;
}

/** The command: prints a table (or one JSON object per line) and returns whether every check passed. */
export async function run(argv: readonly string[]): Promise<boolean> {
  const args = parseDrillArgs(argv);
  if (!args.json) process.stdout.write(`${header()}\n`);
  const rows = await runDrills(args, (row) => {
    process.stdout.write(`${args.json ? JSON.stringify(row) : line(row)}\n`);
    // Where the unanswered requests are (the JSON line carries the same).
    if (!args.json && row.lost_detail) process.stderr.write(`${row.drill}: unanswered: ${JSON.stringify({ lost: row.lost_detail, lag: row.lag })}\n`);
    if (!args.json && row.differing) process.stderr.write(`${row.drill}: copies that differ: ${JSON.stringify(row.differing)}\n`);
    if (!args.json && row.crashes.length > 0) process.stderr.write(`${row.drill}: crashed: ${row.crashes.join('\n')}\n`);
  });
  return rows.every((r) => r.ok);
}
