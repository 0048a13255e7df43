import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';

const ENV_FILE = '.cache/services/env';
const HOW_TO_START =
  'Start the local services with `npm run services:start` (Kafka + DynamoDB Local, needs Java 17 and Maven), ' +
  'or set KAFKA_BROKERS / DYNAMODB_ENDPOINT to running ones (see localstack/docker-compose.yml).';

function fromEnvFile(): Record<string, string> {
  if (!existsSync(ENV_FILE)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(ENV_FILE, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** The real services the integration tests use. Never a fake. */
export interface ServiceEnv {
  kafkaBrokers: string[];
  dynamodbEndpoint: string;
}

export function serviceEnv(): ServiceEnv {
  const file = fromEnvFile();
  const brokers = process.env['KAFKA_BROKERS'] ?? file['KAFKA_BROKERS'];
  const dynamo = process.env['DYNAMODB_ENDPOINT'] ?? file['DYNAMODB_ENDPOINT'];
  if (!brokers) throw new Error(`KAFKA_BROKERS is not set. ${HOW_TO_START}`);
  if (!dynamo) throw new Error(`DYNAMODB_ENDPOINT is not set. ${HOW_TO_START}`);
  return { kafkaBrokers: brokers.split(',').map((s) => s.trim()), dynamodbEndpoint: dynamo };
}

function reachable(host: string, port: number, timeoutMs = 3_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function hostPort(address: string, defaultPort: number): { host: string; port: number } {
  const url = address.includes('://') ? new URL(address) : new URL(`tcp://${address}`);
  return { host: url.hostname, port: Number(url.port || defaultPort) };
}

/** Fails (never skips) with instructions when a service does not answer. */
export async function assertServicesReachable(env: ServiceEnv = serviceEnv()): Promise<void> {
  const kafka = hostPort(env.kafkaBrokers[0]!, 9092);
  if (!(await reachable(kafka.host, kafka.port))) {
    throw new Error(`Kafka does not answer at ${env.kafkaBrokers[0]}. ${HOW_TO_START}`);
  }
  const dynamo = hostPort(env.dynamodbEndpoint, 8000);
  if (!(await reachable(dynamo.host, dynamo.port))) {
    throw new Error(`DynamoDB Local does not answer at ${env.dynamodbEndpoint}. ${HOW_TO_START}`);
  }
}

/** A name no other test (or earlier run) uses: topics and tables are never shared between tests. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}
