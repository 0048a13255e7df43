// `npm run bench -- capacity [--seconds N] [--embedded]`: the capacity table alone. Acquire and
// release latency (p50 / p99), grants per second from 1, 4 and 16 concurrent clients, and table
// writes per admitted request (every write issued, including those refused by their condition).
// Runs against DYNAMODB_ENDPOINT (DynamoDB Local), or an embedded dynalite with --embedded.
import { cpus, loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import { createDynamoClient } from '../lib/capacity/dynamo-client.js';
import { DynamoCapacityStore } from '../lib/capacity/dynamo-store.js';
import { startEmbeddedDynamo } from '../lib/capacity/embedded.js';
import { deleteCapacityTable, ensureCapacityTable } from '../lib/capacity/table.js';
import type { Lease } from '../lib/capacity/types.js';
import { ModelConfigSchema } from '../lib/config/schema.js';
import type { ModelConfigInput } from '../lib/config/schema.js';

interface Scenario {
  name: string;
  clients: number;
  model: Partial<ModelConfigInput>;
  /** Random pause after a refusal before trying again, ms (what a scheduler's backoff would do). */
  backoffMs: [number, number];
}

const SCENARIOS: Scenario[] = [
  { name: 'free slots, 1 client', clients: 1, model: { capacity: 1_000 }, backoffMs: [0, 0] },
  { name: 'free slots, 4 clients', clients: 4, model: { capacity: 1_000 }, backoffMs: [0, 0] },
  { name: 'free slots, 16 clients', clients: 16, model: { capacity: 1_000 }, backoffMs: [0, 0] },
  { name: 'with rpm/tpm limits, 16 clients', clients: 16, model: { capacity: 1_000, rpm: 10_000_000, tpm: 1_000_000_000 }, backoffMs: [0, 0] },
  { name: 'contended: capacity 4, 16 clients', clients: 16, model: { capacity: 4 }, backoffMs: [2, 5] },
  { name: 'contended: capacity 4 in 2 shards, 16 clients', clients: 16, model: { capacity: 4, shards: 2 }, backoffMs: [2, 5] },
];

interface Stats {
  p50: number;
  p99: number;
  mean: number;
}

function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  const r = (n: number): number => Math.round(n * 100) / 100;
  return { p50: r(at(0.5)), p99: r(at(0.99)), mean: r(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function runScenario(endpoint: string, sc: Scenario, seconds: number): Promise<Record<string, unknown>> {
  const client = createDynamoClient({ endpoint, region: 'us-east-1' });
  const table = `bench-capacity-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  await ensureCapacityTable(client, table);
  try {
    // One store per client over one SDK client: each store's counters are its client's own.
    const stores = Array.from({ length: sc.clients }, () => new DynamoCapacityStore(client, table));
    const store = stores[0]!;
    const spec = ModelConfigSchema.parse({ id: 'bench-model', endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation'], ...sc.model });
    await store.putModel(spec);
    const acquireMs: number[] = [];
    const releaseMs: number[] = [];
    const cycleMs: number[] = [];
    let grants = 0;
    let refusals = 0;
    let measuring = false;
    let stop = false;
    let admissionWrites = 0;
    const client_ = async (store: DynamoCapacityStore): Promise<void> => {
      while (!stop) {
        const t0 = performance.now();
        const before = store.counters.writes;
        const out = await store.acquire({ modelId: spec.id, priority: 'high', leaseId: randomUUID(), estimatedTokens: 100 });
        const t1 = performance.now();
        if (measuring) admissionWrites += store.counters.writes - before;
        if (!out.granted) {
          if (measuring) refusals++;
          const [lo, hi] = sc.backoffMs;
          await sleep(lo + Math.random() * (hi - lo));
          continue;
        }
        const lease: Lease = out.lease;
        await store.release(lease, { ok: true, latencyMs: 50, promptTokens: 60, completionTokens: 30 });
        const t2 = performance.now();
        if (measuring) {
          grants++;
          acquireMs.push(t1 - t0);
          releaseMs.push(t2 - t1);
          cycleMs.push(t2 - t0);
        }
      }
    };
    const counters = (): { writes: number; conditionFailures: number; reads: number } =>
      stores.reduce((sum, s) => ({
        writes: sum.writes + s.counters.writes,
        conditionFailures: sum.conditionFailures + s.counters.conditionFailures,
        reads: sum.reads + s.counters.reads,
      }), { writes: 0, conditionFailures: 0, reads: 0 });
    const running = stores.map(client_);
    await sleep(500); // warm-up: connections, spec cache, JIT
    const w0 = counters();
    measuring = true;
    const start = performance.now();
    await sleep(seconds * 1_000);
    measuring = false;
    const elapsed = (performance.now() - start) / 1_000;
    const w1 = counters();
    stop = true;
    await Promise.all(running);
    const writes = w1.writes - w0.writes;
    return {
      name: sc.name,
      clients: sc.clients,
      model: { capacity: spec.capacity, shards: spec.shards, rpm: spec.rpm, tpm: spec.tpm },
      seconds: Math.round(elapsed * 100) / 100,
      grants,
      grantsPerSec: Math.round(grants / elapsed),
      refusals,
      acquireMs: stats(acquireMs),
      releaseMs: stats(releaseMs),
      acquireReleaseMs: stats(cycleMs),
      writes: {
        total: writes,
        conditionFailures: w1.conditionFailures - w0.conditionFailures,
        perAdmittedRequest: grants ? Math.round((writes / grants) * 100) / 100 : null,
        admissionPerAdmittedRequest: grants ? Math.round((admissionWrites / grants) * 100) / 100 : null,
      },
      readsPerAdmittedRequest: grants ? Math.round(((w1.reads - w0.reads) / grants) * 100) / 100 : null,
    };
  } finally {
    await deleteCapacityTable(client, table);
    client.destroy();
  }
}

export async function run(args: string[]): Promise<unknown> {
  const i = args.indexOf('--seconds');
  const seconds = i >= 0 ? Number(args[i + 1]) : 3;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--seconds must be a positive number');
  const embedded = args.includes('--embedded') ? await startEmbeddedDynamo() : undefined;
  const endpoint = embedded?.endpoint ?? process.env['DYNAMODB_ENDPOINT'];
  if (!endpoint) {
    throw new Error(
      'DYNAMODB_ENDPOINT is not set. Start DynamoDB Local with `npm run services:start` and ' +
        '`export DYNAMODB_ENDPOINT=http://127.0.0.1:8000`, or run `npm run bench -- capacity --embedded` for dynalite.',
    );
  }
  try {
    const scenarios = [];
    for (const sc of SCENARIOS) {
      process.stderr.write(`capacity bench: ${sc.name}…\n`);
      scenarios.push(await runScenario(endpoint, sc, seconds));
    }
    return {
      bench: 'capacity',
      backend: embedded ? 'dynalite (embedded)' : `DynamoDB at ${endpoint}`,
      date: new Date().toISOString(),
      node: process.version,
      machine: { cpus: cpus().length, loadavg1m: Math.round(loadavg()[0]! * 100) / 100 },
      notes: [
        'One acquire + one release per admitted request; clients are async loops in one process sharing one SDK client.',
        'writes.perAdmittedRequest counts every write issued while measuring (acquire, release, refused conditional writes, rate-window rollovers) divided by grants.',
        'Contended scenarios retry a refused acquire after a random 2-5 ms pause; refused writes still cost a write.',
        'DynamoDB Local (a Java process on the same 2-core machine) bounds these figures; they are not AWS latencies.',
      ],
      scenarios,
    };
  } finally {
    await embedded?.close();
  }
}
