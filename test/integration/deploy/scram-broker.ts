import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * A second, single-node Apache Kafka (KRaft) whose only client listener is SASL_PLAINTEXT with
 * SCRAM-SHA-512 — the jars `npm run services:start` downloaded, its own state directory and
 * ports in 39000–39999; the shared broker on 9092 is never touched.
 */
export interface ScramBroker {
  brokers: string[];
  users: Record<string, string>;
  stop(): Promise<void>;
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
    if (child.exitCode !== null) throw new Error(`the SCRAM broker exited (${child.exitCode}):\n${log()}`);
    const open = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => (s.end(), r(true)));
      s.on('error', () => r(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the SCRAM broker did not listen on ${port} within ${timeoutMs} ms:\n${log()}`);
}

export async function startScramBroker(users: Record<string, string>): Promise<ScramBroker> {
  if (!existsSync(LIB)) {
    throw new Error(`Kafka jars not found in ${LIB}: run \`npm run services:start\` once (it downloads them), or set AGENTSCHED_KAFKA_LIB`);
  }
  const port = 39_000 + 2 * Math.floor(Math.random() * 490);
  const dir = mkdtempSync(join(tmpdir(), 'agentsched-scram-kafka-'));
  const admin = { name: 'admin', password: randomBytes(12).toString('hex') };
  const props = join(dir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${port + 1}`,
      `listeners=SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${port + 1}`,
      `advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=SASL_PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms=SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
      `listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin.name}" password="${admin.password}";`,
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
  const scram = [admin, ...Object.entries(users).map(([name, password]) => ({ name, password }))].flatMap((u) => ['--add-scram', `SCRAM-SHA-512=[name=${u.name},password=${u.password}]`]);
  const format = spawnSync('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${log4j}`, '-cp', `${LIB}/*`, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', props, '--standalone', ...scram], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (format.status !== 0) throw new Error(`formatting the SCRAM broker's storage failed: ${format.stderr}${format.stdout}`);
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
    await waitForPort(port, child, 90_000, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { brokers: [`127.0.0.1:${port}`], users, stop };
}
