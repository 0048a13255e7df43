// Side-by-side micro benchmarks (`bench/wire.ts`, `bench/llm.ts`): the same operation through two
// or more paths, in alternating rounds of one run (the machine is shared: only figures of one run
// compare), CPU and wall time per call.
import { pct, round } from './stats.js';

/** A positive number flag (`--calls 500`), or `dflt` when absent. */
export function positiveFlag(args: readonly string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
}

/** One operation; `i` counts the calls of a measurement (for distinct keys). */
export type MicroCall = (i: number) => Promise<unknown>;

/** CPU ms and wall ms per call for `calls` calls, `concurrency` at a time. */
async function perCall(call: MicroCall, calls: number, concurrency: number): Promise<{ cpu: number; wall: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    [...Array(concurrency).keys()].map(async () => {
      while (next < calls) await call(next++);
    }),
  );
  const cpu = process.cpuUsage(c0);
  return { cpu: (cpu.user + cpu.system) / 1000 / calls, wall: (performance.now() - t0) / calls };
}

export interface MicroOptions {
  calls: number;
  rounds: number;
  /** Calls in flight at once (default 1: sequential). */
  concurrency?: number;
  /** Calls per path before measuring (connections, JIT). */
  warmup: number;
}

/** Per path: the median CPU and wall ms per call over the rounds, and each round's CPU. */
export async function alternate(paths: Record<string, MicroCall>, o: MicroOptions): Promise<Record<string, { cpu_median: number; wall_median: number; cpu_rounds: number[] }>> {
  const names = Object.keys(paths);
  const concurrency = o.concurrency ?? 1;
  for (const n of names) await perCall(paths[n]!, o.warmup, concurrency);
  const samples = names.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
  for (let r = 0; r < o.rounds; r++) {
    for (const [i, n] of names.entries()) {
      const m = await perCall(paths[n]!, o.calls, concurrency);
      samples[i]!.cpu.push(m.cpu);
      samples[i]!.wall.push(m.wall);
    }
  }
  return Object.fromEntries(
    names.map((n, i) => [n, { cpu_median: round(pct(samples[i]!.cpu, 50), 3), wall_median: round(pct(samples[i]!.wall, 50), 3), cpu_rounds: samples[i]!.cpu.map((c) => round(c, 3)) }]),
  );
}
