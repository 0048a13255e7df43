// One drill's running system: fresh topics and tables, the simulated fleet, `agentsched dev`
// (and an `agentsched worker` when the drill runs `functions/call` apart), restarts on demand,
// and the after-run checks of the capacity table and the wait queue.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../lib/capacity/dynamo-client.js';
import { ConfigSchema } from '../../lib/config/schema.js';
import { deleteTopics, withAdmin } from '../../lib/kafka/admin.js';
import { lag, leftovers, queueState } from './after-run.js';
import type { Leftovers } from './after-run.js';
import { createKafka } from '../../lib/kafka/client.js';
import { DEMO_FLEET } from '../../lib/sim/fleet.js';
import { startSimServer } from '../../lib/sim/server.js';
import type { SimServer } from '../../lib/sim/server.js';
import { freePort, writeConfig } from '../load/env.js';
import { spawnTs } from '../load/procs.js';
import type { Proc } from '../load/procs.js';
import type { OwnServices } from './services.js';
import type { SilentProxy } from './proxy.js';
import { startRecorder } from './recorder.js';
import type { Recorder } from './recorder.js';
import type { Drill, FaultTarget } from './types.js';
import type { LoadTopics } from './load.js';

/** Large enough for the 2 MB poison record and its dead letter (the broker default is 1 MB). */
const MAX_MESSAGE_BYTES = String(8 * 1024 * 1024);

export interface Endpoints {
  brokers: string[];
  /** What the scheduler talks to (the silent proxy, when the drill has one). */
  dynamodb: string;
  /** The table itself (for the harness's own checks). */
  dynamodbDirect: string;
}

export interface DrillStack extends FaultTarget {
  id: string;
  topics: LoadTopics;
  endpoints: Endpoints;
  sim: SimServer;
  dev: Proc;
  worker: Proc | undefined;
  recorder: Recorder | undefined;
  /** Processes that exited without being told to (name, exit code, last stderr lines). */
  unexpectedExits: string[];
  /** Wait-queue state of one request (null when it has no item). */
  queueState(id: string, correlationId: string): Promise<string | null>;
  /** Uncommitted records per scheduler consumer group. */
  lag(): Promise<Record<string, number>>;
  /** Reaps expired leases, then counts the leases and queued requests left. */
  leftovers(): Promise<Leftovers>;
  close(): Promise<void>;
}

/** Sets a value at a key path of a configuration document; numeric keys index arrays. */
function setAt(doc: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node: Record<string, unknown> = doc;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    // Arrays are objects whose numeric keys index them.
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

async function createTopics(brokers: string[], id: string, t: LoadTopics): Promise<void> {
  const kafka = createKafka(brokers, `${id}-admin`, { logLevel: 'error' });
  const big = [{ name: 'max.message.bytes', value: MAX_MESSAGE_BYTES }];
  await withAdmin(kafka, (admin) =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [
        ...[t.high, t.medium, t.low].map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1, configEntries: big })),
        { topic: t.results, numPartitions: 1, replicationFactor: 1 },
        { topic: t.dead_letter, numPartitions: 1, replicationFactor: 1, configEntries: big },
      ],
    }),
  );
}

export interface StackOptions {
  root: string;
  drill: Drill;
  endpoints: Endpoints;
  own: { kafka?: OwnServices; dynamodb?: OwnServices };
  proxy: SilentProxy | undefined;
  log: boolean;
}

export async function startDrillStack(o: StackOptions): Promise<DrillStack> {
  const id = `drill-${o.drill.name}-${Date.now().toString(36)}-${randomUUID().slice(0, 4)}`;
  const topics: LoadTopics = { high: `${id}.high`, medium: `${id}.medium`, low: `${id}.low`, results: `${id}.results`, dead_letter: `${id}.dlq` };
  const tables = { table: `${id}-capacity`, queue_table: `${id}-queue` };
  const dir = mkdtempSync(join(tmpdir(), `${id}-`));
  const procs: Proc[] = [];
  const unexpectedExits: string[] = [];
  const expected = new Set<Proc>();
  let closing = false;
  const watch = (p: Proc): Proc => {
    void p.exited.then((code) => {
      if (!closing && !expected.has(p)) unexpectedExits.push(`${p.name} exited (${String(code)}): ${p.stderrTail().split('\n').slice(-400).join('\n')}`);
    });
    return p;
  };
  const fleet = o.drill.fleet();
  const sim = await startSimServer({ port: 0, models: fleet });
  const recorder = o.drill.record ? await startRecorder(sim.url) : undefined;
  const stopAll = async (): Promise<void> => {
    closing = true;
    for (const p of procs.reverse()) await p.stop(10_000);
    await recorder?.close();
    await sim.close();
    const kafka = createKafka(o.endpoints.brokers, `${id}-admin`, { logLevel: 'nothing' });
    await deleteTopics(kafka, Object.values(topics)).catch(() => undefined);
    const dynamo = createDynamoClient({ endpoint: o.endpoints.dynamodbDirect, region: 'us-east-1' });
    for (const TableName of Object.values(tables)) await dynamo.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
    dynamo.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await createTopics(o.endpoints.brokers, id, topics);
    const config: Record<string, unknown> = {
      kafka: { bootstrap_servers: o.endpoints.brokers, client_id: id, topics },
      models: fleet.map((m) => ({
        id: m.id,
        endpoint: m.id === o.drill.record && recorder ? recorder.url : sim.url,
        supported_tasks: DEMO_FLEET.find((d) => d.id === m.id)?.supportedTasks ?? ['text_generation'],
        capacity: m.capacity,
      })),
      capacity: { ...tables },
      dynamodb: { endpoint: o.endpoints.dynamodb },
    };
    for (const [path, value] of o.drill.config ?? []) setAt(config, path, value);
    const parsed = ConfigSchema.parse(config);
    const configFile = join(dir, 'agentsched.yaml');
    writeConfig(configFile, config);
    const env = { ...process.env, KAFKA_BROKERS: o.endpoints.brokers.join(','), DYNAMODB_ENDPOINT: o.endpoints.dynamodb };

    let workerPort: number | undefined;
    const startWorker = async (): Promise<Proc> => {
      workerPort ??= await freePort();
      const w = spawnTs('worker', o.root, 'lib/cli/main.ts', ['worker', '--config', configFile, '--port', String(workerPort), '--log-level', 'warn'], env, o.log);
      procs.push(watch(w));
      await w.waitForLine(/Ctrl-C to stop/, 90_000);
      return w;
    };
    const worker = o.drill.worker ? await startWorker() : undefined;
    const devArgs = ['dev', '--config', configFile, '--log-level', 'warn', '--group-prefix', id];
    if (workerPort !== undefined) devArgs.push('--call-endpoint', `http://127.0.0.1:${workerPort}`);
    const startDev = async (): Promise<Proc> => {
      const d = spawnTs('dev', o.root, 'lib/cli/main.ts', devArgs, env, o.log);
      procs.push(watch(d));
      await d.waitForLine(/consuming/, 90_000);
      return d;
    };
    const stack: DrillStack = {
      id,
      topics,
      endpoints: o.endpoints,
      sim,
      dev: await startDev(),
      worker,
      own: o.own,
      proxy: o.proxy,
      recorder,
      unexpectedExits,
      killDev: async (downMs) => {
        expected.add(stack.dev);
        stack.dev.signal('SIGKILL');
        await stack.dev.exited;
        await new Promise((r) => setTimeout(r, downMs));
        stack.dev = await startDev();
        return Date.now();
      },
      killWorker: async (downMs) => {
        if (!stack.worker) throw new Error(`drill ${o.drill.name}: no worker process to kill`);
        expected.add(stack.worker);
        stack.worker.signal('SIGKILL');
        await stack.worker.exited;
        await new Promise((r) => setTimeout(r, downMs));
        stack.worker = await startWorker();
        return Date.now();
      },
      leftovers: () => leftovers(parsed, o.endpoints.dynamodbDirect),
      queueState: (rid, correlationId) => queueState(parsed, o.endpoints.dynamodbDirect, rid, correlationId),
      lag: () => lag(o.endpoints.brokers, id, topics),
      close: stopAll,
    };
    return stack;
  } catch (err: unknown) {
    await stopAll();
    throw err;
  }
}
