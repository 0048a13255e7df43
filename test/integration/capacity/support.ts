import { HEADROOM_SHARES } from '../../../lib/capacity/shares.js';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../../lib/capacity/dynamo-client.js';
import { DynamoCapacityStore } from '../../../lib/capacity/dynamo-store.js';
import { startEmbeddedDynamo } from '../../../lib/capacity/embedded.js';
import type { CapacityStoreOptions } from '../../../lib/capacity/options.js';
import { deleteCapacityTable, ensureCapacityTable } from '../../../lib/capacity/table.js';
import { serviceEnv, uniqueName } from '../support/services.js';

/** A DynamoDB endpoint the tests run on: DynamoDB Local (the real service) or embedded dynalite. */
export interface Backend {
  name: 'DynamoDB Local' | 'dynalite';
  endpoint: string;
  close(): Promise<void>;
}

export const BACKENDS: ReadonlyArray<Backend['name']> = ['DynamoDB Local', 'dynalite'];

export async function openBackend(name: Backend['name']): Promise<Backend> {
  if (name === 'DynamoDB Local') return { name, endpoint: serviceEnv().dynamodbEndpoint, close: () => Promise.resolve() };
  const embedded = await startEmbeddedDynamo();
  return { name, endpoint: embedded.endpoint, close: () => embedded.close() };
}

/** A fresh capacity table on `endpoint`; `drop()` deletes it and closes the client. */
export interface TestTable {
  endpoint: string;
  table: string;
  client: DynamoDBClient;
  store(options?: CapacityStoreOptions): DynamoCapacityStore;
  drop(): Promise<void>;
}

export async function createTestTable(endpoint: string): Promise<TestTable> {
  const client = createDynamoClient({ endpoint, region: 'us-east-1' });
  const table = uniqueName('capacity');
  await ensureCapacityTable(client, table);
  return {
    endpoint,
    table,
    client,
    store: (options = {}) => new DynamoCapacityStore(client, table, { priorityShares: HEADROOM_SHARES, ...options }),
    drop: async () => {
      await deleteCapacityTable(client, table);
      client.destroy();
    },
  };
}

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A child process running a fixture script; its stdout is one JSON object per line. */
export interface Worker {
  child: ChildProcess;
  /** Every line received so far. */
  lines: Record<string, unknown>[];
  /** Resolves with the first line matching `pred`. */
  waitFor(pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
  /** Writes one line to the process's stdin. */
  send(line: string): void;
}

const running = new Set<ChildProcess>();

/** Kills the workers still running (afterAll: a failed test must not leave processes behind). */
export function killWorkers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Starts `fixtures/<script>` under tsx with `params` as its JSON argument. */
export function spawnWorker(script: string, params: Record<string, unknown>): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', `${FIXTURES}${script}`, JSON.stringify(params)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  const lines: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    for (const w of waiters.filter((x) => x.pred(line))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      if (code !== 0 && code !== null && stderr) process.stderr.write(`[${script}] ${stderr}\n`);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const waitFor = (pred: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> => {
    const seen = lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script}: no matching line after ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      waiters.push({ pred, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    });
  };
  return { child, lines, waitFor, exited, send: (line) => child.stdin.write(`${line}\n`) };
}

/** Starts workers, waits until every one is warmed up (`ready`), then lets them all go at once. */
export async function startTogether(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.waitFor((l) => l['ev'] === 'ready', 60_000)));
  for (const w of workers) w.send('go');
}
