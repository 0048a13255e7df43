// `npm run bench -- schedule [--transport kafka|memory] [--requests N]`: the whole scheduler
// (event-source runner → schedule handler → capacity table → simulated fleet → results) measured
// from an agent's side with AgentSchedClient. Prints JSON. Uses KAFKA_BROKERS / DYNAMODB_ENDPOINT
// when set (the real services), else the in-process log and embedded dynalite.
import { randomUUID } from 'node:crypto';
import { AgentSchedClient } from '../lib/client/client.js';
import { MemoryClientTransport } from '../lib/client/memory-transport.js';
import { parseConfig } from '../lib/config/load.js';
import type { Priority } from '../lib/contracts/request.js';
import { deleteTopics } from '../lib/kafka/admin.js';
import { startLocalStack } from '../lib/local/stack.js';
import type { SimModelOptions } from '../lib/sim/types.js';

interface Args {
  transport: 'kafka' | 'memory';
  requests: number;
  /** Run only the scenarios whose name contains one of these (comma-separated `--only`). */
  only: string[];
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const transport = (get('transport') ?? (process.env['KAFKA_BROKERS'] ? 'kafka' : 'memory')) as Args['transport'];
  const only = (get('only') ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  return { transport, requests: Number(get('requests') ?? 600), only };
}

function pct(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
}

const PRIOS: Priority[] = ['high', 'medium', 'low'];

interface Pacing {
  waves: number;
  gapMs: number;
  /** `capacity.priority_shares` for the run (default: high 1, medium 0.9, low 0.75). */
  shares?: { high: number; medium: number; low: number };
}

async function scenario(name: string, args: Args, sim: Partial<SimModelOptions>, pacing: Pacing) {
  const id = `bench-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  const config = parseConfig(
    {
      kafka: {
        ...(process.env['KAFKA_BROKERS'] ? { bootstrap_servers: process.env['KAFKA_BROKERS'].split(',') } : {}),
        client_id: id,
        topics: { high: `${id}.high`, medium: `${id}.medium`, low: `${id}.low`, results: `${id}.results`, dead_letter: `${id}.dlq` },
        batch_window_ms: 20,
      },
      models: [{ id: 'placeholder', endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation'], capacity: 1 }],
      capacity: { table: `${id}-capacity`, requests_table: `${id}-requests`, queue_table: `${id}-queue`, ...(pacing.shares ? { priority_shares: pacing.shares } : {}) },
      ...(process.env['DYNAMODB_ENDPOINT'] ? { dynamodb: { endpoint: process.env['DYNAMODB_ENDPOINT'] } } : {}),
    },
    'bench',
  );
  const stack = await startLocalStack({ config, transport: args.transport, simulate: 'demo', simOptions: sim, groupPrefix: id, reapEveryMs: 0 });
  const client = new AgentSchedClient({
    config: stack.config,
    clientId: id,
    ...(stack.log ? { transport: new MemoryClientTransport(stack.log) } : {}),
  });
  await client.start();
  const latencies: Record<Priority, number[]> = { high: [], medium: [], low: [] };
  let failed = 0;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  const perWave = Math.ceil(args.requests / pacing.waves);
  for (let w = 0; w < pacing.waves; w++) {
    for (let i = 0; i < perWave && w * perWave + i < args.requests; i++) {
      const priority = PRIOS[(w * perWave + i) % 3]!;
      const t0 = performance.now();
      pending.push(
        client.request({ priority, content: 'How does the internet work?', token_count: 20, max_tokens: 16 }, { timeoutMs: 300_000 }).then((r) => {
          if (r.status === 'completed') latencies[priority].push(performance.now() - t0);
          else failed += 1;
        }),
      );
    }
    if (pacing.gapMs > 0) await new Promise((r) => setTimeout(r, pacing.gapMs));
  }
  await Promise.all(pending);
  const elapsedS = (performance.now() - started) / 1000;
  const stats = stack.sim!.stats();
  const ops = Object.fromEntries([...(stack.deps.tableOps ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]));
  const totalOps = Object.values(ops).reduce((a, b) => a + b, 0);
  await client.close();
  await stack.stop();
  if (stack.kafka) {
    const t = stack.config.kafka.topics;
    await deleteTopics(stack.kafka, [t.high, t.medium, t.low, t.results, t.dead_letter, client.replyTopic]).catch(() => undefined);
  }
  const all = [...latencies.high, ...latencies.medium, ...latencies.low];
  const perCallMs = (sim.latencyMs ?? 150) + (sim.perTokenMs ?? 2) * 16;
  const fleetCapacity = 18;
  return {
    scenario: name,
    requests: args.requests,
    completed: all.length,
    failed,
    elapsed_s: Math.round(elapsedS * 100) / 100,
    throughput_rps: Math.round((all.length / elapsedS) * 10) / 10,
    ideal_fleet_rps: perCallMs > 0 ? Math.round((fleetCapacity / (perCallMs / 1000)) * 10) / 10 : null,
    // Throughput over ideal: the share of the fleet's slot-time spent on calls, ramp and tail included.
    utilization: perCallMs > 0 ? Math.round((all.length / elapsedS / (fleetCapacity / (perCallMs / 1000))) * 1000) / 1000 : null,
    latency_ms: { p50: pct(all, 50), p90: pct(all, 90), p99: pct(all, 99) },
    by_priority_ms: Object.fromEntries(PRIOS.map((p) => [p, { p50: pct(latencies[p], 50), p90: pct(latencies[p], 90) }])),
    table_ops_per_request: Math.round((totalOps / Math.max(1, all.length)) * 100) / 100,
    table_ops: ops,
    fleet: {
      violations: stats.violations,
      peak_concurrency: Object.fromEntries(Object.entries(stats.models).map(([m, s]) => [m, `${s.peak_concurrency}/${s.capacity}`])),
    },
  };
}

export async function run(argv: string[]): Promise<unknown> {
  const args = parseArgs(argv);
  const wanted = (name: string): boolean => args.only.length === 0 || args.only.some((o) => name.includes(o));
  const scenarios: [string, Args, Partial<SimModelOptions>, Pacing][] = [
    // Scheduling overhead: models answer at once, so the scheduler is the bottleneck.
    ['overhead (instant models, burst)', args, { latencyMs: 0, perTokenMs: 0, jitter: 0 }, { waves: 1, gapMs: 0 }],
    // Fleet utilization: 200 ms calls, everything queued at once; ideal = 18 slots / 0.2 s.
    ['utilization (200 ms calls, burst)', args, { latencyMs: 200, perTokenMs: 0, jitter: 0 }, { waves: 1, gapMs: 0 }],
    // Utilization where the scheduler's own cost is small next to a call: 1 s calls, ideal 18/s.
    // With the default shares, medium may use 90 % and low 75 % of each model (headroom kept for
    // high priority): once only low work is left, a quarter of the fleet stays free on purpose.
    ['utilization (1 s calls, burst)', { ...args, requests: 270 }, { latencyMs: 1_000, perTokenMs: 0, jitter: 0 }, { waves: 1, gapMs: 0 }],
    // The same with every priority allowed the whole fleet: what the scheduling itself leaves idle.
    ['utilization (1 s calls, burst, shares 1/1/1)', { ...args, requests: 270 }, { latencyMs: 1_000, perTokenMs: 0, jitter: 0 }, { waves: 1, gapMs: 0, shares: { high: 1, medium: 1, low: 1 } }],
    // Priority under ~3x overload: offered over 2 s at three times the ideal fleet rate.
    ['priority (3x overload over 2 s)', { ...args, requests: 540 }, { latencyMs: 200, perTokenMs: 0, jitter: 0 }, { waves: 10, gapMs: 200 }],
  ];
  const results: unknown[] = [];
  for (const [name, a, sim, pacing] of scenarios) if (wanted(name)) results.push(await scenario(name, a, sim, pacing));
  return {
    bench: 'schedule',
    transport: args.transport,
    table: process.env['DYNAMODB_ENDPOINT'] ? 'DynamoDB Local' : 'embedded dynalite',
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    results,
  };
}
