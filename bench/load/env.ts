// The bench's surroundings: the running services, a run's fresh topic and table names, the
// configuration file written for `agentsched dev`, and cleanup afterwards.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { stringify } from 'yaml';
import { createDynamoClient } from '../../lib/capacity/dynamo-client.js';
import { deleteTopics, ensureTopics } from '../../lib/kafka/admin.js';
import { createKafka } from '../../lib/kafka/client.js';
import { DEMO_FLEET } from '../../lib/sim/fleet.js';

const HINT = 'run `npm run services:start`';

export interface Services {
  brokers: string[];
  dynamodb: string;
}

function envFile(root: string): Record<string, string> {
  const file = `${root}/.cache/services/env`;
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

function reachable(address: string, defaultPort: number): Promise<boolean> {
  const url = address.includes('://') ? new URL(address) : new URL(`tcp://${address}`);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || defaultPort) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(3_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** KAFKA_BROKERS / DYNAMODB_ENDPOINT (else .cache/services/env, else the local defaults), checked reachable. */
export async function services(root: string): Promise<Services> {
  const file = envFile(root);
  const brokers = (process.env['KAFKA_BROKERS'] ?? file['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((s) => s.trim()).filter(Boolean);
  const dynamodb = process.env['DYNAMODB_ENDPOINT'] ?? file['DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000';
  if (!(await reachable(brokers[0]!, 9092))) throw new Error(`Kafka does not answer at ${brokers[0]}: ${HINT}`);
  if (!(await reachable(dynamodb, 8000))) throw new Error(`DynamoDB Local does not answer at ${dynamodb}: ${HINT}`);
  return { brokers, dynamodb };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Fresh names of one run: topics, tables, consumer groups. */
export interface RunNames {
  id: string;
  topics: { high: string; medium: string; low: string; results: string; dead_letter: string };
  table: string;
  requestsTable: string;
  queueTable: string;
}

export function runNames(label: string): RunNames {
  const id = `lb-${label}-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  return {
    id,
    topics: { high: `${id}.high`, medium: `${id}.medium`, low: `${id}.low`, results: `${id}.results`, dead_letter: `${id}.dlq` },
    table: `${id}-capacity`,
    requestsTable: `${id}-requests`,
    queueTable: `${id}-queue`,
  };
}

/** What the scheduler checkout's source says it understands (so an older checkout gets no unknown keys or flags). */
export interface SchedulerFeatures {
  queueTable: boolean;
  statsPort: boolean;
  groupPrefix: boolean;
}

export function schedulerFeatures(dir: string): SchedulerFeatures {
  const read = (p: string): string => (existsSync(`${dir}/${p}`) ? readFileSync(`${dir}/${p}`, 'utf8') : '');
  const schema = read('lib/config/schema.ts');
  const dev = read('lib/cli/commands/dev.ts');
  return { queueTable: schema.includes('queue_table'), statsPort: dev.includes('--stats-port'), groupPrefix: dev.includes('--group-prefix') };
}

export interface Shares {
  high: number;
  medium: number;
  low: number;
}

/** The scheduler's configuration for one run: defaults, except names, the simulated fleet and what the scenario sets. */
export function schedulerConfig(names: RunNames, svc: Services, simUrl: string, features: SchedulerFeatures, shares?: Shares): Record<string, unknown> {
  return {
    kafka: { bootstrap_servers: svc.brokers, client_id: names.id, topics: names.topics },
    models: DEMO_FLEET.map((m) => ({ id: m.id, endpoint: simUrl, supported_tasks: m.supportedTasks, capacity: m.capacity })),
    capacity: {
      table: names.table,
      requests_table: names.requestsTable,
      ...(features.queueTable ? { queue_table: names.queueTable } : {}),
      ...(shares ? { priority_shares: shares } : {}),
    },
    dynamodb: { endpoint: svc.dynamodb },
  };
}

export function writeConfig(file: string, config: Record<string, unknown>): void {
  writeFileSync(file, `# written by the load bench for one run\n${stringify(config)}`);
}

export async function createRunTopics(svc: Services, names: RunNames): Promise<void> {
  const kafka = createKafka(svc.brokers, `${names.id}-admin`, { logLevel: 'error' });
  const t = names.topics;
  await ensureTopics(kafka, [
    ...[t.high, t.medium, t.low].map((name) => ({ name, partitions: 3 })),
    { name: t.results, partitions: 1 },
    { name: t.dead_letter, partitions: 1 },
  ]);
}

/** Deletes the run's topics and tables; errors are ignored (best effort). */
export async function cleanupRun(svc: Services, names: RunNames): Promise<void> {
  const kafka = createKafka(svc.brokers, `${names.id}-admin`, { logLevel: 'nothing' });
  await deleteTopics(kafka, Object.values(names.topics)).catch(() => undefined);
  const dynamo = createDynamoClient({ endpoint: svc.dynamodb, region: 'us-east-1' });
  for (const TableName of [names.table, names.requestsTable, names.queueTable]) {
    await dynamo.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
  }
  dynamo.destroy();
}

/** Sets `value` at a key path of a plain configuration document, creating mappings on the way. */
export function setPath(doc: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = doc;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
