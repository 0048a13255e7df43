import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { toError } from '../errors/index.js';
import type { SchedulerLogger } from '../scheduler/deps.js';
import { silentLogger } from '../scheduler/deps.js';
import { CALL_MAX_TIMEOUT_MS } from './call-invoker.js';
import { lambdaContext } from './context.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface CallWorker {
  url: string;
  /** Invocations still running. */
  readonly running: number;
  close(): Promise<void>;
}

/** The path of the Lambda Invoke API: `POST /2015-03-31/functions/<name>/invocations`. */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
/** Largest async-invoke payload Lambda accepts. */
const MAX_EVENT_BYTES = 1_048_576;

/**
 * `functions/call` in a process of its own, behind the part of the Lambda Invoke API that async
 * invokes use: `InvocationType: Event` answers 202 and then runs the handler, like Lambda's event
 * queue. `agentsched dev --call-endpoint` rings it with the same `LambdaCallInvoker` that rings the
 * real function, so killing this process is what a crashed call is (fault drills, tests).
 */
export async function startCallWorker(opts: { port: number; host?: string; handler: Handler; logger?: SchedulerLogger }): Promise<CallWorker> {
  const logger = opts.logger ?? silentLogger;
  const inFlight = new Set<Promise<unknown>>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.byteLength;
      if (size <= MAX_EVENT_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const name = decodeURIComponent(INVOKE_PATH.exec(path)?.[1] ?? '');
      const reply = (status: number, type: string, message: string): void => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
        res.end(JSON.stringify({ message }));
      };
      if (req.method !== 'POST' || !name) return reply(404, 'ResourceNotFoundException', `no such route: ${req.method ?? ''} ${path}`);
      if (req.headers['x-amz-invocation-type'] !== 'Event') return reply(400, 'InvalidParameterValueException', 'this worker serves asynchronous (Event) invocations only');
      if (size > MAX_EVENT_BYTES) return reply(413, 'RequestTooLargeException', `event is ${size} bytes, over ${MAX_EVENT_BYTES}`);
      let event: unknown;
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        return reply(400, 'InvalidRequestContentException', `event is not JSON: ${toError(err).message}`);
      }
      res.writeHead(202, { 'x-amzn-requestid': randomUUID() });
      res.end();
      const run = opts
        .handler(event, lambdaContext(name, Date.now() + CALL_MAX_TIMEOUT_MS))
        .catch((err: unknown) => logger.warn('call invocation failed; the sweep recovers its requests', { error: toError(err).message }))
        .finally(() => inFlight.delete(run));
      inFlight.add(run);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    get running() {
      return inFlight.size;
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...inFlight]);
    },
  };
}
