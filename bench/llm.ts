// `npm run bench -- llm [--calls N] [--rounds R] [--concurrency C]`: CPU and wall time per one-shot
// chat completion, through the OpenAI SDK client and through the direct path the scheduler uses
// (`callModel` → `ChatHttpClient`), side by side in one run and alternating rounds (the machine is
// shared: only figures of one run compare). Both go over the same pooled undici agent to a simulated
// model on loopback with no latency (`lib/sim`), so what differs is the client's own work. The
// simulated server runs in this process: its CPU is in both figures, alike.
import { cpus, loadavg } from 'node:os';
import { ModelConfigSchema } from '../lib/config/schema.js';
import { LlmClientPool, callModel } from '../lib/llm/index.js';
import { buildChatParams } from '../lib/llm/params.js';
import { startSimServer } from '../lib/sim/server.js';
import type { AgentRequest } from '../lib/contracts/request.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (n: number): number => Math.round(n * 1000) / 1000;

type Call = () => Promise<unknown>;

/** CPU ms and wall ms per call for `calls` calls, `concurrency` at a time. */
async function measure(call: Call, calls: number, concurrency: number): Promise<{ cpu: number; wall: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let left = calls;
  await Promise.all(
    [...Array(concurrency).keys()].map(async () => {
      while (left-- > 0) await call();
    }),
  );
  const cpu = process.cpuUsage(c0);
  return { cpu: (cpu.user + cpu.system) / 1000 / calls, wall: (performance.now() - t0) / calls };
}

export async function run(args: string[]): Promise<unknown> {
  const flag = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    const v = i >= 0 ? Number(args[i + 1]) : dflt;
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
    return v;
  };
  const calls = flag('--calls', 1_000);
  const rounds = flag('--rounds', 3);
  const concurrency = flag('--concurrency', 8);
  const server = await startSimServer({ models: [{ id: 'bench', capacity: 1_000, latencyMs: 0, perTokenMs: 0 }] });
  const model = ModelConfigSchema.parse({ id: 'bench', endpoint: server.url, supported_tasks: ['text_generation'], capacity: 64 });
  const pool = new LlmClientPool({ models: [model] });
  const request: AgentRequest = { id: 'b', correlation_id: 'b', task_type: 'text_generation', priority: 'high', content: 'What is the capital of France?', token_count: 8 };
  try {
    const client = await pool.clientFor(model);
    const paths: Record<'sdk' | 'direct', Call> = {
      sdk: () => client.chat.completions.create(buildChatParams(model, request), { timeout: 5_000, maxRetries: 0 }),
      direct: () => callModel(pool, model, request, { timeoutMs: 5_000 }),
    };
    const names = Object.keys(paths) as (keyof typeof paths)[];
    for (const n of names) await measure(paths[n], 300, concurrency); // warm-up: connections, JIT
    const samples = names.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
    for (let r = 0; r < rounds; r++) {
      for (const [i, n] of names.entries()) {
        const m = await measure(paths[n], calls, concurrency);
        samples[i]!.cpu.push(m.cpu);
        samples[i]!.wall.push(m.wall);
      }
    }
    return {
      bench: 'llm',
      command: `npm run --silent bench -- llm --calls ${calls} --rounds ${rounds} --concurrency ${concurrency}`,
      measured_at: new Date().toISOString(),
      machine: { cores: cpus().length, node: process.version, loadavg_1m: round(loadavg()[0] ?? 0) },
      operation: `one-shot chat completion to a simulated model on loopback (no latency), ${concurrency} at a time; CPU includes the in-process simulated server`,
      calls_per_round: calls,
      rounds,
      per_call_ms: Object.fromEntries(names.map((n, i) => [n, { cpu_median: round(median(samples[i]!.cpu)), wall_median: round(median(samples[i]!.wall)), cpu_rounds: samples[i]!.cpu.map(round) }])),
    };
  } finally {
    await pool.close();
    await server.close();
  }
}
