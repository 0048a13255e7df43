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
import { alternate, positiveFlag } from './load/micro.js';
import { round } from './load/stats.js';

export async function run(args: string[]): Promise<unknown> {
  const calls = positiveFlag(args, '--calls', 1_000);
  const rounds = positiveFlag(args, '--rounds', 3);
  const concurrency = positiveFlag(args, '--concurrency', 8);
  const server = await startSimServer({ models: [{ id: 'bench', capacity: 1_000, latencyMs: 0, perTokenMs: 0 }] });
  const model = ModelConfigSchema.parse({ id: 'bench', endpoint: server.url, supported_tasks: ['text_generation'], capacity: 64 });
  const pool = new LlmClientPool({ models: [model] });
  const request: AgentRequest = { id: 'b', correlation_id: 'b', task_type: 'text_generation', priority: 'high', content: 'What is the capital of France?', token_count: 8 };
  try {
    const client = await pool.clientFor(model);
    const perCall = await alternate(
      {
        sdk: () => client.chat.completions.create(buildChatParams(model, request), { timeout: 5_000, maxRetries: 0 }),
        direct: () => callModel(pool, model, request, { timeoutMs: 5_000 }),
      },
      { calls, rounds, concurrency, warmup: 300 },
    );
    return {
      bench: 'llm',
      command: `npm run --silent bench -- llm --calls ${calls} --rounds ${rounds} --concurrency ${concurrency}`,
      measured_at: new Date().toISOString(),
      machine: { cores: cpus().length, node: process.version, loadavg_1m: round(loadavg()[0] ?? 0, 3) },
      operation: `one-shot chat completion to a simulated model on loopback (no latency), ${concurrency} at a time; CPU includes the in-process simulated server`,
      calls_per_round: calls,
      rounds,
      per_call_ms: perCall,
    };
  } finally {
    await pool.close();
    await server.close();
  }
}
