import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../lib/errors/index.js';
import { encodeKafkaEvent } from '../../../lib/kafka/event.js';
import { InvocationError, InvocationTimeoutError } from '../../../lib/local/errors.js';
import { InProcessInvoker, LambdaInvoker } from '../../../lib/local/invoker.js';

const event = encodeKafkaEvent([{ topic: 't', partition: 0, offset: 1, timestamp: 1, key: 'k', value: 'v' }], 'self-managed');

describe('InProcessInvoker', () => {
  it('passes the event and a context whose remaining time counts down from the timeout', async () => {
    let clock = 1_000;
    const seen: number[] = [];
    const invoker = new InProcessInvoker(
      (e, context) => {
        seen.push(context.getRemainingTimeInMillis());
        clock += 400;
        seen.push(context.getRemainingTimeInMillis());
        expect(e).toBe(event);
        expect(context.functionName).toBe('schedule');
        return Promise.resolve('done');
      },
      { functionName: 'schedule', timeoutMs: 1_000, now: () => clock },
    );

    await expect(invoker.invoke(event)).resolves.toBe('done');
    expect(seen).toEqual([1_000, 600]);
  });

  it('defaults the timeout to the 14-minute Kafka maximum', async () => {
    let remaining = 0;
    const invoker = new InProcessInvoker((_e, context) => {
      remaining = context.getRemainingTimeInMillis();
      return Promise.resolve();
    });

    await invoker.invoke(event);
    expect(remaining).toBeGreaterThan(14 * 60_000 - 1_000);
  });

  it('wraps a thrown error in InvocationError, keeping the cause', async () => {
    const boom = new TypeError('bad thing');
    const invoker = new InProcessInvoker(() => Promise.reject(boom));

    const err = await invoker.invoke(event).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvocationError);
    expect((err as InvocationError).errorType).toBe('TypeError');
    expect((err as InvocationError).cause).toBe(boom);
    expect((err as InvocationError).retryable).toBe(true);
  });

  it('fails with InvocationTimeoutError when the handler outlives its timeout', async () => {
    const invoker = new InProcessInvoker(() => new Promise((r) => setTimeout(r, 1_000)), { timeoutMs: 20 });

    await expect(invoker.invoke(event)).rejects.toBeInstanceOf(InvocationTimeoutError);
  });
});

interface Received {
  method: string;
  url: string;
  body: string;
}

/** A stand-in for the Lambda Invoke API: answers each request with the next canned response. */
async function fakeLambdaApi(
  responses: { status?: number; headers?: Record<string, string>; body: string }[],
): Promise<{ server: Server; endpoint: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      const r = responses.shift() ?? { body: '' };
      res.writeHead(r.status ?? 200, { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST', ...r.headers });
      res.end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: `http://127.0.0.1:${port}`, received };
}

describe('LambdaInvoker', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('invokes the function with the event as a RequestResponse payload and returns its result', async () => {
    const api = await fakeLambdaApi([{ body: '{"processed":1}' }]);
    server = api.server;
    const invoker = new LambdaInvoker({ functionName: 'agentsched-local-schedule', endpoint: api.endpoint, region: 'us-east-1' });

    await expect(invoker.invoke(event)).resolves.toEqual({ processed: 1 });
    invoker.close();

    expect(api.received).toHaveLength(1);
    expect(api.received[0]!.method).toBe('POST');
    expect(api.received[0]!.url).toBe('/2015-03-31/functions/agentsched-local-schedule/invocations');
    expect(JSON.parse(api.received[0]!.body)).toEqual(event);
  });

  it('rejects with InvocationError when the response carries X-Amz-Function-Error', async () => {
    const api = await fakeLambdaApi([
      { headers: { 'X-Amz-Function-Error': 'Unhandled' }, body: '{"errorType":"InfrastructureError","errorMessage":"table unreachable"}' },
    ]);
    server = api.server;
    const invoker = new LambdaInvoker({ functionName: 'schedule', endpoint: api.endpoint });

    const err = await invoker.invoke(event).catch((e: unknown) => e);
    invoker.close();

    expect(err).toBeInstanceOf(InvocationError);
    expect((err as InvocationError).functionError).toBe('Unhandled');
    expect((err as InvocationError).errorType).toBe('InfrastructureError');
    expect((err as InvocationError).message).toContain('table unreachable');
  });

  it('reports an API failure (unknown function) as an InfrastructureError', async () => {
    const api = await fakeLambdaApi([
      {
        status: 404,
        headers: { 'x-amzn-errortype': 'ResourceNotFoundException' },
        body: '{"Type":"User","message":"Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"}',
      },
    ]);
    server = api.server;
    const invoker = new LambdaInvoker({ functionName: 'nope', endpoint: api.endpoint });

    const err = await invoker.invoke(event).catch((e: unknown) => e);
    invoker.close();

    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as Error).message).toContain('Function not found');
  });
});
