// `npm run bench -- wire [--calls N] [--rounds R]`: CPU and wall time per DynamoDB call through the
// stores' access layer (`TableIO`), over the lean wire and over the AWS SDK client, side by side in
// one run and alternating rounds (the machine is shared: only figures of one run compare). Each
// call is a conditional UpdateItem returning the new item, as the queue's claims are. Runs against
// DYNAMODB_ENDPOINT (DynamoDB Local, `npm run services:start`).
import { cpus, loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import { createDynamoClient } from '../lib/capacity/dynamo-client.js';
import type { DynamoWireKind } from '../lib/capacity/dynamo-client.js';
import { TableIO } from '../lib/capacity/dynamo-io.js';
import { deleteCapacityTable, ensureCapacityTable } from '../lib/capacity/table.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (n: number): number => Math.round(n * 1000) / 1000;

/** CPU ms and wall ms per call for `calls` sequential updates through `io`. */
async function measure(io: TableIO, calls: number): Promise<{ cpu: number; wall: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    await io.update({
      Key: { pk: `k${i % 50}` },
      UpdateExpression: 'SET #a = :v ADD #n :one',
      ConditionExpression: 'attribute_not_exists(#x)',
      ExpressionAttributeNames: { '#a': 'a', '#n': 'n', '#x': 'x' },
      ExpressionAttributeValues: { ':v': { i, s: 'a short string', l: [1, 2, 3], b: new Uint8Array(64) }, ':one': 1 },
      ReturnValues: 'ALL_NEW',
    });
  }
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
  const endpoint = process.env['DYNAMODB_ENDPOINT'];
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set. Start DynamoDB Local with `npm run services:start` and source .cache/services/env.');
  const kinds: DynamoWireKind[] = ['lean', 'sdk'];
  const table = `bench-wire-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  const clients = kinds.map((kind) => createDynamoClient({ endpoint, region: 'us-east-1', client: kind }));
  await ensureCapacityTable(clients[0]!, table);
  try {
    const ios = clients.map((c) => new TableIO(c, table));
    for (const io of ios) await measure(io, 100); // warm-up: connections, JIT
    const samples = kinds.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < kinds.length; k++) {
        const m = await measure(ios[k]!, calls);
        samples[k]!.cpu.push(m.cpu);
        samples[k]!.wall.push(m.wall);
      }
    }
    return {
      bench: 'wire',
      command: `npm run --silent bench -- wire --calls ${calls} --rounds ${rounds}`,
      measured_at: new Date().toISOString(),
      machine: { cores: cpus().length, node: process.version, loadavg_1m: round(loadavg()[0] ?? 0) },
      operation: 'conditional UpdateItem, ReturnValues ALL_NEW, ~150-byte item (sequential)',
      calls_per_round: calls,
      rounds,
      per_call_ms: Object.fromEntries(kinds.map((k, i) => [k, { cpu_median: round(median(samples[i]!.cpu)), wall_median: round(median(samples[i]!.wall)), cpu_rounds: samples[i]!.cpu.map(round) }])),
    };
  } finally {
    await deleteCapacityTable(clients[0]!, table);
    for (const c of clients) c.destroy();
  }
}
