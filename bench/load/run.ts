// One run of a scenario: fresh topics and tables, the simulated fleet, `agentsched dev` (or the
// floor consumer), the load generator; kills and restarts when asked; everything stopped after.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { cleanupRun, createRunTopics, freePort, runNames, schedulerConfig, schedulerFeatures, setPath, writeConfig } from './env.js';
import type { Services, Shares } from './env.js';
import { onInterrupt, spawnTs } from './procs.js';
import type { Proc } from './procs.js';
import { cpuMs } from './procs.js';
import { readRecords } from './records.js';
import type { Arrival, LoadRecord, Plan } from './records.js';

export interface RunSpec {
  label: string;
  kind: 'scheduler' | 'floor';
  sim?: { latencyMs: number; jitter: number; stallRate?: number; stallMs?: number };
  shares?: Shares;
  arrivals: Arrival[];
  /** SIGKILL the scheduler this many seconds after the start, restart it `downS` later. */
  kills?: { atS: number; downS: number }[];
  drainIdleMs: number;
  drainMaxMs: number;
}

export interface Context {
  root: string;
  schedulerDir: string;
  svc: Services;
  log: boolean;
  /** Config overrides (`--set`), applied last. */
  set: [string[], unknown][];
}

const SimStatsSchema = z.object({ requests: z.number(), violations: z.number(), peak_concurrency: z.number(), capacity: z.number() }).loose();
const DevStatsSchema = z.object({ cpu: z.object({ user_ms: z.number(), system_ms: z.number() }), table_ops: z.record(z.string(), z.number()) });
const LeaseRowSchema = z.object({ id: z.string(), inFlight: z.number().optional(), liveLeases: z.number().optional() }).loose();

export interface RunOutput {
  records: LoadRecord[];
  start: number;
  sendEnd: number;
  config: Record<string, unknown> | null;
  cpuMs: number | null;
  tableOps: Record<string, number> | null;
  sim: z.infer<typeof SimStatsSchema> | null;
  kills: { killedAt: number; restartedAt: number; readyAt: number }[];
  leases: { reaped: unknown; left: number; by_model: Record<string, number> } | null;
}

async function getJson<T>(url: string, schema: z.ZodType<T>): Promise<T | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return schema.parse(await res.json());
  } catch {
    return null;
  }
}

async function cliJson(ctx: Context, args: string[]): Promise<unknown> {
  const p = spawnTs(`agentsched ${args[0]}`, ctx.schedulerDir, 'lib/cli/main.ts', args);
  const code = await p.exited;
  if (code !== 0) throw new Error(`agentsched ${args.join(' ')} failed (${String(code)}): ${p.stderrTail()}`);
  return JSON.parse(p.stdoutText()) as unknown;
}

export async function runOnce(ctx: Context, spec: RunSpec): Promise<RunOutput> {
  const names = runNames(spec.label);
  const dir = mkdtempSync(join(tmpdir(), `${names.id}-`));
  const procs: Proc[] = [];
  const unregister = onInterrupt(() => cleanupRun(ctx.svc, names));
  const env = { ...process.env, KAFKA_BROKERS: ctx.svc.brokers.join(','), DYNAMODB_ENDPOINT: ctx.svc.dynamodb };
  try {
    await createRunTopics(ctx.svc, names);
    let config: Record<string, unknown> | null = null;
    let simUrl: string | undefined;
    let statsUrl: string | undefined;
    let startScheduler: (() => Promise<Proc>) | undefined;
    const configFile = join(dir, 'agentsched.yaml');
    const plan: Plan = {
      brokers: ctx.svc.brokers,
      client_id: names.id,
      topics: names.topics,
      warmup: 6,
      warmup_timeout_ms: 120_000,
      drain_idle_ms: spec.drainIdleMs,
      drain_max_ms: spec.drainMaxMs,
      arrivals: spec.arrivals,
    };
    const planFile = join(dir, 'plan.json');
    writeFileSync(planFile, JSON.stringify(plan));

    if (spec.kind === 'scheduler') {
      const s = spec.sim ?? { latencyMs: 200, jitter: 0 };
      const simArgs = ['sim', '--demo-fleet', '--port', '0', '--latency-ms', String(s.latencyMs), '--per-token-ms', '0', '--jitter', String(s.jitter)];
      if (s.stallRate !== undefined) simArgs.push('--stall-rate', String(s.stallRate), '--stall-ms', String(s.stallMs ?? 10_000));
      const sim = spawnTs('sim', ctx.root, 'lib/cli/main.ts', simArgs, env, ctx.log);
      procs.push(sim);
      simUrl = (await sim.waitForLine(/^http/, 60_000)).trim();
      const features = schedulerFeatures(ctx.schedulerDir);
      config = schedulerConfig(names, ctx.svc, simUrl, features, spec.shares);
      for (const [path, value] of ctx.set) setPath(config, path, value);
      writeConfig(configFile, config);
      const port = features.statsPort ? await freePort() : undefined;
      if (port !== undefined) statsUrl = `http://127.0.0.1:${port}/stats`;
      const devArgs = ['dev', '--config', configFile, '--log-level', 'warn'];
      if (features.groupPrefix) devArgs.push('--group-prefix', names.id);
      if (port !== undefined) devArgs.push('--stats-port', String(port));
      startScheduler = async () => {
        // BENCH_PROFILE_DIR: a V8 CPU profile of the scheduler process (node --cpu-prof) per run.
        const profile = process.env['BENCH_PROFILE_DIR'];
        const dev = spawnTs('dev', ctx.schedulerDir, 'lib/cli/main.ts', devArgs, env, ctx.log, profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []);
        procs.push(dev);
        await dev.waitForLine(/consuming/, 90_000);
        return dev;
      };
    } else {
      startScheduler = async () => {
        const floor = spawnTs('floor', ctx.root, 'bench/load/floor.ts', ['--plan', planFile], env, ctx.log);
        procs.push(floor);
        await floor.waitForLine(/^ready/, 90_000);
        return floor;
      };
    }
    let current = await startScheduler();

    const recordsFile = join(dir, 'records.jsonl');
    const gen = spawnTs('generator', ctx.root, 'bench/load/generator.ts', ['--plan', planFile, '--out', recordsFile], env, ctx.log);
    procs.push(gen);
    await gen.waitForLine(/^ready/, 180_000);
    const start = Number((await gen.waitForLine(/^start \d+/, 10_000)).split(' ')[1]);
    let cpuTotal = 0;
    const cpu0 = cpuMs(current.pid) ?? 0;
    const ops0 = statsUrl ? await getJson(statsUrl, DevStatsSchema) : null;
    const opsTotal = new Map<string, number>();
    const addOps = (now: Record<string, number> | undefined, base: Record<string, number> | undefined): void => {
      for (const [k, v] of Object.entries(now ?? {})) opsTotal.set(k, (opsTotal.get(k) ?? 0) + v - (base?.[k] ?? 0));
    };

    const kills: RunOutput['kills'] = [];
    let killing = Promise.resolve();
    let cpuBase = cpu0;
    let opsBase = ops0?.table_ops;
    for (const k of spec.kills ?? []) {
      killing = killing.then(async () => {
        const wait = start + k.atS * 1000 - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const last = statsUrl ? await getJson(statsUrl, DevStatsSchema) : null;
        cpuTotal += (cpuMs(current.pid) ?? cpuBase) - cpuBase;
        addOps(last?.table_ops, opsBase);
        const killedAt = Date.now();
        current.signal('SIGKILL');
        await current.exited;
        await new Promise((r) => setTimeout(r, k.downS * 1000));
        const restartedAt = Date.now();
        current = await startScheduler();
        kills.push({ killedAt, restartedAt, readyAt: Date.now() });
        cpuBase = 0;
        opsBase = undefined;
      });
    }
    const done = await gen.waitForLine(/^done /, spec.drainMaxMs + 3_600_000);
    await killing;
    const sendEnd = z.object({ send_end: z.number() }).parse(JSON.parse(done.slice(5))).send_end;
    await gen.exited;
    cpuTotal += (cpuMs(current.pid) ?? cpuBase) - cpuBase;
    addOps(statsUrl ? (await getJson(statsUrl, DevStatsSchema))?.table_ops : undefined, opsBase);
    const sim = simUrl ? await getJson(`${simUrl.replace(/\/v1$/, '')}/stats`, SimStatsSchema) : null;

    let leases: RunOutput['leases'] = null;
    if (spec.kills && spec.kills.length > 0) {
      const reaped = await cliJson(ctx, ['capacity', 'reap', '--json', '--config', configFile]);
      const rows = z.array(LeaseRowSchema).parse(await cliJson(ctx, ['models', 'stats', '--json', '--config', configFile]));
      const byModel = Object.fromEntries(rows.map((r) => [r.id, r.liveLeases ?? r.inFlight ?? 0]));
      leases = { reaped, left: Object.values(byModel).reduce((a, b) => a + b, 0), by_model: byModel };
    }
    return {
      records: readRecords(recordsFile),
      start,
      sendEnd,
      config,
      cpuMs: spec.kind === 'scheduler' ? Math.round(cpuTotal) : null,
      tableOps: statsUrl ? Object.fromEntries(opsTotal) : null,
      sim,
      kills,
      leases,
    };
  } finally {
    for (const p of procs.reverse()) await p.stop(20_000);
    unregister();
    await cleanupRun(ctx.svc, names);
    rmSync(dir, { recursive: true, force: true });
  }
}
