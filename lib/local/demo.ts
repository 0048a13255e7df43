import { AgentSchedClient } from '../client/client.js';
import { MemoryClientTransport } from '../client/memory-transport.js';
import type { Config } from '../config/schema.js';
import { PRIORITIES, TASK_TYPES } from '../contracts/request.js';
import type { AgentResult } from '../contracts/result.js';
import { startLocalStack } from './stack.js';
import type { LocalStack } from './stack.js';

/** The original demo's prompts. */
export const DEMO_PROMPTS = [
  'Summarize the main points of climate change.',
  'Explain the concept of artificial intelligence.',
  'Describe the process of photosynthesis.',
  'What are the key features of a democratic government?',
  'How does the internet work?',
] as const;

export interface DemoOptions {
  config: Config;
  /** How many requests to send (the original sent 5; default 30). */
  requests: number;
  /** Pause between two requests, ms (the original paused 500). */
  intervalMs: number;
  /** Serve the original's three models from a simulated fleet instead of `config.models`. */
  simulate: boolean;
  /** Give up on an answer after this long. */
  timeoutMs: number;
  out?: (line: string) => void;
  random?: () => number;
}

export interface DemoReport {
  sent: number;
  completed: number;
  failed: number;
  unanswered: number;
  elapsedMs: number;
  models: { model: string; currentLoad: number; processed: number; averageProcessingTimeS: number }[];
  violations?: number;
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

function short(text: string, n = 70): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}

/**
 * The original AgentSched demo, end to end: requests of random priority, task type and prompt go
 * through the event source, the schedule handler, the capacity table and the fleet; each answer is
 * printed as it arrives, then every model's current load, processed tasks and average time.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoReport> {
  const out = opts.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const random = opts.random ?? Math.random;
  const transport = process.env['KAFKA_BROKERS'] ? 'kafka' : 'memory';
  const started = Date.now();
  out(`[demo] starting: event source ${transport === 'kafka' ? `Kafka at ${opts.config.kafka.bootstrap_servers.join(',')}` : 'in-process (no broker needed)'}, ` +
    `capacity table ${opts.config.dynamodb.endpoint ?? 'embedded dynalite'}, fleet ${opts.simulate ? 'simulated (gpt-3.5 ×5, gpt-4-turbo ×3, gpt-4-o ×10)' : 'from the configuration'}`);
  const stack: LocalStack = await startLocalStack({
    config: opts.config,
    transport,
    ...(opts.simulate ? { simulate: 'demo' as const } : {}),
    reapEveryMs: 5_000,
  });
  const client = new AgentSchedClient({
    config: stack.config,
    clientId: 'demo',
    // A fixed reply topic: repeated runs on a real broker do not leave a topic each behind.
    replyTopic: 'agent.demo.replies',
    ...(stack.log ? { transport: new MemoryClientTransport(stack.log) } : {}),
  });
  let completed = 0;
  let failed = 0;
  let unanswered = 0;
  const progress = setInterval(() => {
    out(`[demo] progress: ${completed + failed}/${opts.requests} answered, ${client.stats().inFlight} in flight`);
  }, 1_000);
  try {
    await client.start();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < opts.requests; i++) {
      const priority = pick(PRIORITIES, random);
      const taskType = pick(TASK_TYPES, random);
      const content = pick(DEMO_PROMPTS, random);
      const id = `task_${1000 + Math.floor(random() * 9000)}`;
      const sentAt = Date.now();
      pending.push(
        client
          .request({ id, priority, task_type: taskType, content, token_count: 10 + Math.floor(random() * 190) }, { timeoutMs: opts.timeoutMs })
          .then((result: AgentResult) => {
            const ms = Date.now() - sentAt;
            if (result.status === 'completed') {
              completed += 1;
              out(`[demo] ✓ ${priority.padEnd(6)} ${taskType.padEnd(15)} ${id} → ${result.model_id} in ${ms} ms: ${short(result.content)}`);
            } else {
              failed += 1;
              out(`[demo] ✗ ${priority.padEnd(6)} ${taskType.padEnd(15)} ${id} failed (${result.error?.code}): ${short(result.error?.message ?? '')}`);
            }
          })
          .catch((err: unknown) => {
            unanswered += 1;
            out(`[demo] ! ${id} got no answer: ${(err as Error).message}`);
          }),
      );
      if (opts.intervalMs > 0) await new Promise((r) => setTimeout(r, opts.intervalMs));
    }
    await Promise.all(pending);
  } finally {
    clearInterval(progress);
    await client.close();
  }
  // Every answer is out; the calls still finish their bookkeeping (marks, the slot released).
  await stack.calls.idle(10_000);
  const snapshots = await stack.deps.store.listModels();
  const violations = stack.sim?.stats().violations;
  await stack.stop();
  const report: DemoReport = {
    sent: opts.requests,
    completed,
    failed,
    unanswered,
    elapsedMs: Date.now() - started,
    models: snapshots.map((s) => ({
      model: s.spec.id,
      currentLoad: s.state.inFlight,
      processed: s.state.processed,
      averageProcessingTimeS: s.state.avgLatencyMs / 1000,
    })),
    ...(violations !== undefined ? { violations } : {}),
  };
  out('\nModel Stats:');
  for (const m of report.models) {
    out(`Model ${m.model}:`);
    out(`  Current load: ${m.currentLoad}`);
    out(`  Total processed tasks: ${m.processed}`);
    out(`  Average processing time: ${m.averageProcessingTimeS.toFixed(2)} s`);
  }
  if (violations !== undefined) out(`\nCapacity violations reported by the simulated fleet: ${violations}`);
  out(`\n[demo] ${completed} completed, ${failed} failed, ${unanswered} unanswered of ${opts.requests} in ${(report.elapsedMs / 1000).toFixed(1)} s`);
  out(unanswered === 0 ? 'Demo completed.' : 'Demo finished with unanswered requests.');
  return report;
}
