import { connect } from 'node:net';
import { InfrastructureError } from '../errors/index.js';

/** `host:port` (or `scheme://host:port`) of a bootstrap server; 9092 when no port is given. */
function hostPort(address: string): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 9092) };
}

function tryConnect(address: string, timeoutMs: number): Promise<string | undefined> {
  const { host, port } = hostPort(address);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | undefined): void => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/**
 * Fails fast, with one line naming the brokers and the setting, when no bootstrap server accepts
 * a TCP connection within `timeoutMs` (kafkajs itself retries for many seconds, logging each try).
 * A broker that accepts connections passes; the Kafka client reports what goes wrong after that.
 */
export async function assertBrokersReachable(brokers: readonly string[], timeoutMs = 2_000): Promise<void> {
  const problems = await Promise.all(brokers.map((b) => tryConnect(b, timeoutMs)));
  if (problems.some((p) => p === undefined)) return;
  const detail = brokers.map((b, i) => `${b} (${problems[i] ?? 'unreachable'})`).join(', ');
  throw new InfrastructureError(
    `Kafka is not reachable at ${detail}; set KAFKA_BROKERS (or kafka.bootstrap_servers in the configuration) to a running broker (locally: npm run services:start)`,
  );
}
