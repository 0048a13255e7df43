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
import { alternate, positiveFlag } from './load/micro.js';
import { round } from './load/stats.js';

/** One conditional update through `io` (call `i` of a round). */
const update = (io: TableIO) => (i: number): Promise<unknown> =>
  io.update({
    Key: { pk: `k${i % 50}` },
    UpdateExpression: 'SET #a = :v ADD #n :one',
    ConditionExpression: 'attribute_not_exists(#x)',
    ExpressionAttributeNames: { '#a': 'a', '#n': 'n', '#x': 'x' },
    ExpressionAttributeValues: { ':v': { i, s: 'a short string', l: [1, 2, 3], b: new Uint8Array(64) }, ':one': 1 },
    ReturnValues: 'ALL_NEW',
  });

export async function run(args: string[]): Promise<unknown> {
  const calls = positiveFlag(args, '--calls', 1_000);
  const rounds = positiveFlag(args, '--rounds', 3);
  const endpoint = process.env['DYNAMODB_ENDPOINT'];
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set. Start DynamoDB Local with `npm run services:start` and source .cache/services/env.');
  const kinds: DynamoWireKind[] = ['lean', 'sdk'];
  const table = `bench-wire-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  const clients = kinds.map((kind) => createDynamoClient({ endpoint, region: 'us-east-1', client: kind }));
  await ensureCapacityTable(clients[0]!, table);
  try {
    const ios = clients.map((c) => new TableIO(c, table));
    const perCall = await alternate(Object.fromEntries(kinds.map((k, i) => [k, update(ios[i]!)])), { calls, rounds, warmup: 100 });
    return {
      bench: 'wire',
      command: `npm run --silent bench -- wire --calls ${calls} --rounds ${rounds}`,
      measured_at: new Date().toISOString(),
      machine: { cores: cpus().length, node: process.version, loadavg_1m: round(loadavg()[0] ?? 0, 3) },
      operation: 'conditional UpdateItem, ReturnValues ALL_NEW, ~150-byte item (sequential)',
      calls_per_round: calls,
      rounds,
      per_call_ms: perCall,
    };
  } finally {
    await deleteCapacityTable(clients[0]!, table);
    for (const c of clients) c.destroy();
  }
}
