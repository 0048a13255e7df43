// The drill's own Kafka broker and DynamoDB Local, started by the services script on ports of
// their own (29000–29999) with a state directory of their own, so stopping them for an outage
// never touches the shared services other tests and engineers use. Their data survives the
// outage (SERVICES_KEEP_DATA=1), as a real broker's and table's does.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const isFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.setTimeout(1_000, () => {
      s.destroy();
      resolve(false);
    });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

/** A port in 29000–29999 nothing listens on (and the next one, for Kafka's controller). */
export async function drillPort(pairs = false): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 29_000 + Math.floor(Math.random() * 998);
    if ((await isFree(p)) && (!pairs || (await isFree(p + 1)))) return p;
  }
  throw new Error('no free port in 29000–29999');
}

function script(root: string, name: 'start' | 'stop', env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(root, 'scripts/services', `${name}.sh`)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`scripts/services/${name}.sh failed (${String(code)}):\n${err.split('\n').slice(-15).join('\n')}`));
    });
  });
}

export interface OwnServices {
  kind: 'kafka' | 'dynamodb';
  /** `127.0.0.1:PORT` for Kafka, `http://127.0.0.1:PORT` for DynamoDB Local. */
  address: string;
  /** The services script's own stop (data kept). */
  stop(): Promise<void>;
  /** The services script's own start (with the data it had). */
  start(): Promise<void>;
  /** Stops it and removes its state directory. */
  destroy(): Promise<void>;
}

/**
 * Starts one service of the pair with the services script (the other one is named by
 * KAFKA_BROKERS / DYNAMODB_ENDPOINT, so the script leaves it alone).
 */
export async function startOwn(root: string, kind: 'kafka' | 'dynamodb', shared: { brokers: string[]; dynamodb: string }): Promise<OwnServices> {
  const state = mkdtempSync(join(tmpdir(), `agentsched-drill-${kind}-`));
  const port = await drillPort(kind === 'kafka');
  const env: NodeJS.ProcessEnv = { ...process.env, SERVICES_STATE_DIR: state, SERVICES_KEEP_DATA: '1', SERVICES_ONLY: kind };
  delete env['KAFKA_BROKERS'];
  delete env['DYNAMODB_ENDPOINT'];
  if (kind === 'kafka') {
    env['KAFKA_PORT'] = String(port);
    env['KAFKA_CONTROLLER_PORT'] = String(port + 1);
    env['DYNAMODB_ENDPOINT'] = shared.dynamodb;
  } else {
    env['DYNAMODB_PORT'] = String(port);
    env['KAFKA_BROKERS'] = shared.brokers.join(',');
  }
  const own: OwnServices = {
    kind,
    address: kind === 'kafka' ? `127.0.0.1:${port}` : `http://127.0.0.1:${port}`,
    start: async () => {
      await script(root, 'start', env);
    },
    stop: async () => {
      await script(root, 'stop', env);
    },
    destroy: async () => {
      await script(root, 'stop', { ...env, SERVICES_KEEP_DATA: '0' }).catch(() => '');
      rmSync(state, { recursive: true, force: true });
    },
  };
  try {
    await own.start();
  } catch (err: unknown) {
    await own.destroy();
    throw err;
  }
  return own;
}
