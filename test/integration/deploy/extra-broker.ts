import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * A second, single-node Apache Kafka (KRaft) with secured client listeners — the jars
 * `npm run services:start` downloaded, its own state directory and ports the OS reports free; the
 * shared broker on 9092 is never touched.
 */
export interface ExtraBroker {
  /** `host:port` of each client listener, by name. */
  listeners: Record<string, string>;
  dir: string;
  stop(): Promise<void>;
}

export interface ExtraBrokerOptions {
  /** Client listeners: name → security protocol (SASL_PLAINTEXT, SSL). */
  listeners: Record<string, 'SASL_PLAINTEXT' | 'SSL'>;
  /** The listener brokers talk to each other on (one of `listeners`, or `INTERNAL` plaintext). */
  interBroker: string;
  /** More server.properties lines; `dir` is the broker's state directory. */
  props: (dir: string) => string[];
  /** More `StorageTool format` arguments (SCRAM users). */
  format?: string[];
}

const LIB = resolve(process.env['AGENTSCHED_KAFKA_LIB'] ?? '.cache/services/kafka/lib');

function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the extra broker exited (${child.exitCode}):\n${log()}`);
    const open = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => (s.end(), r(true)));
      s.on('error', () => r(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the extra broker did not listen on ${port} within ${timeoutMs} ms:\n${log()}`);
}

export function kafkaJarsDir(): string {
  if (!existsSync(LIB)) {
    throw new Error(`Kafka jars not found in ${LIB}: run \`npm run services:start\` once (it downloads them), or set AGENTSCHED_KAFKA_LIB`);
  }
  return LIB;
}

/** `n` ports the OS reports free right now (bound to port 0, then released). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<Server>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    })),
  );
  const ports = servers.map((srv) => (srv.address() as AddressInfo).port);
  await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  return ports;
}

/**
 * Starts the extra broker on ports the OS just reported free; tried again on new ones when a port
 * was taken in between (fixed ports collide with the ephemeral ports of other tests' connections).
 */
export async function startExtraBroker(opts: ExtraBrokerOptions): Promise<ExtraBroker> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, await freePorts(10));
    } catch (err) {
      if (attempt >= 3 || !String((err as Error).message).includes('Address already in use')) throw err;
    }
  }
}

async function startOnce(opts: ExtraBrokerOptions, ports: number[]): Promise<ExtraBroker> {
  kafkaJarsDir();
  const names = Object.keys(opts.listeners);
  const port = (i: number): number => ports[i]!;
  const dir = mkdtempSync(join(tmpdir(), 'agentsched-extra-kafka-'));
  const all: [string, string, number][] = [...names.map((n, i): [string, string, number] => [n, opts.listeners[n]!, port(i)]), ['INTERNAL', 'PLAINTEXT', port(8)]];
  const props = join(dir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${port(9)}`,
      `listeners=${all.map(([n, , p]) => `${n}://127.0.0.1:${p}`).join(',')},CONTROLLER://127.0.0.1:${port(9)}`,
      `advertised.listeners=${all.map(([n, , p]) => `${n}://127.0.0.1:${p}`).join(',')}`,
      'controller.listener.names=CONTROLLER',
      `inter.broker.listener.name=${opts.interBroker}`,
      `listener.security.protocol.map=CONTROLLER:PLAINTEXT,${all.map(([n, proto]) => `${n}:${proto}`).join(',')}`,
      ...opts.props(dir),
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=1',
      'auto.create.topics.enable=true',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
    ].join('\n'),
  );
  const log4j = join(dir, 'log4j2.properties');
  writeFileSync(log4j, 'status = warn\nappender.out.type = Console\nappender.out.name = OUT\nappender.out.layout.type = PatternLayout\nappender.out.layout.pattern = %p %m%n\nrootLogger.level = WARN\nrootLogger.appenderRef.out.ref = OUT\n');
  const format = spawnSync('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${log4j}`, '-cp', `${LIB}/*`, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', props, '--standalone', ...(opts.format ?? [])], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (format.status !== 0) throw new Error(`formatting the extra broker's storage failed: ${format.stderr}${format.stdout}`);
  let output = '';
  const child = spawn('java', ['-Xms128m', '-Xmx384m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', `-Dlog4j2.configurationFile=${log4j}`, '-cp', `${LIB}/*`, 'kafka.Kafka', props], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const [, , p] of all) await waitForPort(p, child, 90_000, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { listeners: Object.fromEntries(names.map((n, i) => [n, `127.0.0.1:${port(i)}`])), dir, stop };
}

/** A broker whose client listener `SCRAM` is SASL_PLAINTEXT with SCRAM-SHA-512 users. */
export async function startScramBroker(users: Record<string, string>): Promise<ExtraBroker & { brokers: string[] }> {
  const admin = { name: 'admin', password: randomBytes(12).toString('hex') };
  const broker = await startExtraBroker({
    listeners: { SCRAM: 'SASL_PLAINTEXT' },
    interBroker: 'INTERNAL',
    props: () => [
      'sasl.enabled.mechanisms=SCRAM-SHA-512',
      `listener.name.scram.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin.name}" password="${admin.password}";`,
    ],
    format: [admin, ...Object.entries(users).map(([name, password]) => ({ name, password }))].flatMap((u) => ['--add-scram', `SCRAM-SHA-512=[name=${u.name},password=${u.password}]`]),
  });
  return { ...broker, brokers: [broker.listeners['SCRAM']!] };
}

export interface TlsMaterial {
  ca: string;
  /** The client certificate and key (PEM, unencrypted PKCS#8), signed by `ca`. */
  clientCert: string;
  clientKey: string;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw new Error(`openssl is needed to make the test certificates: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

/** A private CA, a broker certificate for IP 127.0.0.1 and a client certificate, in `dir`. */
function makeCertificates(dir: string): TlsMaterial {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=agentsched-it-ca']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const [name, cn] of [['broker', '127.0.0.1'], ['client', 'agentsched']] as const) {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', ...(name === 'broker' ? ['-extfile', 'san.ext'] : [])]);
  }
  writeFileSync(join(dir, 'broker-keystore.pem'), readFileSync(join(dir, 'broker.key'), 'utf8') + readFileSync(join(dir, 'broker.pem'), 'utf8'));
  return { ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), clientCert: readFileSync(join(dir, 'client.pem'), 'utf8'), clientKey: readFileSync(join(dir, 'client.key'), 'utf8') };
}

/** A broker with listeners `TLS` (server certificate only) and `MTLS` (client certificate required). */
export async function startTlsBroker(): Promise<ExtraBroker & { tls: TlsMaterial }> {
  const certs = mkdtempSync(join(tmpdir(), 'agentsched-it-certs-'));
  const tls = makeCertificates(certs);
  const broker = await startExtraBroker({
    listeners: { TLS: 'SSL', MTLS: 'SSL' },
    interBroker: 'INTERNAL',
    props: () => [
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${join(certs, 'broker-keystore.pem')}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${join(certs, 'ca.pem')}`,
      'listener.name.tls.ssl.client.auth=none',
      'listener.name.mtls.ssl.client.auth=required',
    ],
  });
  return {
    ...broker,
    tls,
    stop: async () => {
      await broker.stop();
      rmSync(certs, { recursive: true, force: true });
    },
  };
}
