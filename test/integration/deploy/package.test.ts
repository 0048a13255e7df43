import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCapacityStore } from '../../../lib/capacity/index.js';
import { createDynamoClient } from '../../../lib/capacity/dynamo-client.js';
import type { AgentResult } from '../../../lib/contracts/result.js';
import { deleteTopics, ensureTopics } from '../../../lib/kafka/admin.js';
import { createKafka } from '../../../lib/kafka/client.js';
import { encodeKafkaEvent } from '../../../lib/kafka/event.js';
import { consumeUntil } from '../../../lib/local/consumer.js';
import { ensureQueueTable } from '../../../lib/queue/table.js';
import { CALL_FUNCTION_ENV } from '../../../lib/scheduler/factory.js';
import { startSimServer } from '../../../lib/sim/server.js';
import { e2eConfig, originalRequest } from '../support/stack.js';

const run = promisify(execFile);
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

type Resource = { Type: string; Properties: Record<string, unknown> };
type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** Sets environment variables for this file and restores them afterwards. */
function setEnv(vars: Record<string, string>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  cleanups.push(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    return Promise.resolve();
  });
}

function lambdaContext(name: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return { functionName: name, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as unknown as Context;
}

/**
 * The Lambda Invoke API on loopback, as far as async invokes need it: `POST
 * /2015-03-31/functions/<name>/invocations` with `X-Amz-Invocation-Type: Event` answers 202 and
 * then runs the bound handler with the payload (Lambda queues the event and returns before it runs).
 */
async function startFakeLambda(functionName: string): Promise<{ url: string; invocations: Promise<unknown>[]; bind: (h: Handler) => void; close: () => Promise<void> }> {
  const invocations: Promise<unknown>[] = [];
  let handler: Handler = () => Promise.reject(new Error('fake Lambda invoked before bind()'));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const name = decodeURIComponent(/^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(path)?.[1] ?? '');
      if (req.method !== 'POST' || name !== functionName || req.headers['x-amz-invocation-type'] !== 'Event') {
        res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
        res.end(JSON.stringify({ message: `unexpected ${req.method ?? ''} ${path} (${String(req.headers['x-amz-invocation-type'])})` }));
        return;
      }
      const event: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(202, { 'x-amzn-requestid': randomUUID() });
      res.end();
      invocations.push(handler(event, lambdaContext(functionName, 900_000)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    invocations,
    bind: (h) => (handler = h),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('The Lambda artifact', () => {
  beforeAll(async () => {
    await run('npx', ['tsx', 'scripts/build.ts']);
  });

  it('packages offline with the open-source Serverless Framework: schedule admits, call runs, one Kafka mapping per priority topic', async () => {
    const out = mkdtempSync(join(tmpdir(), 'agentsched-package-'));
    await run('npx', ['serverless', 'package', '--stage', 'local', '--package', out], { env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' } });
    const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as { Resources: Record<string, Resource> };
    const resources = Object.values(template.Resources);
    const ofType = (type: string): Resource[] => resources.filter((r) => r.Type === type);

    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map((r) => String(r.Properties['Handler'])).sort()).toEqual(['dist/autoscale.handler', 'dist/call.handler', 'dist/reaper.handler', 'dist/schedule.handler']);
    expect(functions.every((f) => f.Properties['Runtime'] === 'nodejs22.x')).toBe(true);
    const fn = (name: string): Resource => functions.find((r) => r.Properties['Handler'] === `dist/${name}.handler`)!;
    const env = (name: string): Record<string, unknown> => (fn(name).Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(fn('schedule').Properties['Timeout']).toBeLessThanOrEqual(840);
    expect(fn('call').Properties['Timeout']).toBe(900);
    const callName = fn('call').Properties['FunctionName'];
    expect(callName).toBe('agentsched-local-call');
    // Every dispatcher finds the call function by name.
    for (const name of ['schedule', 'call', 'reaper']) expect(env(name)[CALL_FUNCTION_ENV]).toBe(callName);
    expect(env('schedule')['QUEUE_TABLE']).toBe('agentsched-local-queue');
    expect(env('schedule')).not.toHaveProperty('REQUESTS_TABLE');

    // Async invokes of call: no platform retries (the reaper's sweep recovers), a bounded event age.
    const invokeConfigs = ofType('AWS::Lambda::EventInvokeConfig');
    expect(invokeConfigs).toHaveLength(1);
    expect(invokeConfigs[0]!.Properties).toMatchObject({ FunctionName: { Ref: 'CallLambdaFunction' }, MaximumRetryAttempts: 0 });
    expect(invokeConfigs[0]!.Properties['MaximumEventAgeInSeconds']).toBeGreaterThanOrEqual(60);

    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings.map((m) => (m.Properties['Topics'] as string[])[0]).sort()).toEqual(['high_priority', 'low_priority', 'medium_priority']);
    for (const m of mappings) {
      expect(m.Properties['FunctionName']).toMatchObject({ 'Fn::GetAtt': ['ScheduleLambdaFunction', 'Arn'] });
      expect(m.Properties['StartingPosition']).toBe('TRIM_HORIZON');
      expect((m.Properties['ProvisionedPollerConfig'] as { MinimumPollers: number } | undefined)?.MinimumPollers).toBe(1);
      // Absent would mean Kafka's 500 ms default, not 0.
      expect(m.Properties['MaximumBatchingWindowInSeconds']).toBe(0);
    }

    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables.map((t) => t.Properties['TableName']).sort()).toEqual(['agentsched-local-capacity', 'agentsched-local-queue']);
    const queue = tables.find((t) => t.Properties['TableName'] === 'agentsched-local-queue')!;
    expect(queue.Properties['KeySchema']).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
    expect((queue.Properties['LocalSecondaryIndexes'] as { IndexName: string; KeySchema: { AttributeName: string }[] }[]).map((i) => [i.IndexName, i.KeySchema.map((k) => k.AttributeName)])).toEqual([
      ['by-order', ['pk', 'ord']],
      ['by-until', ['pk', 'until']],
    ]);
    expect(queue.Properties['TimeToLiveSpecification']).toEqual({ AttributeName: 'ttl', Enabled: true });
  });

  it('the bundled schedule handler admits an MSK event against the real broker and table; the bundled call handler answers', async () => {
    const sim = await startSimServer({ port: 0, models: [{ id: 'm1', capacity: 2, latencyMs: 20, perTokenMs: 0 }] });
    cleanups.push(() => sim.close());
    const config = e2eConfig({ models: [{ id: 'm1', endpoint: sim.url, supported_tasks: ['text_generation'], capacity: 2 }] });
    const dir = mkdtempSync(join(tmpdir(), 'agentsched-bundle-'));
    writeFileSync(join(dir, 'agentsched.yaml'), JSON.stringify(config));
    const dynamo = createDynamoClient(config.dynamodb);
    cleanups.push(() => Promise.resolve(dynamo.destroy()));
    const store = createCapacityStore(config, { client: dynamo });
    await store.ensureTable();
    await store.putModel(config.models[0]!);
    await ensureQueueTable(dynamo, config.capacity.queue_table);
    const kafka = createKafka(config.kafka.bootstrap_servers, 'it-bundle');
    const t = config.kafka.topics;
    await ensureTopics(kafka, [t.high, t.results, t.dead_letter].map((name) => ({ name, partitions: 1 })));
    cleanups.push(() => deleteTopics(kafka, [t.high, t.results, t.dead_letter]));

    // The bundles' default call invoker is the Lambda Invoke API (LambdaCallInvoker, no explicit
    // endpoint): the SDK's service-specific endpoint variable sends it to a loopback stand-in
    // that runs the call bundle, as Lambda would run the deployed function.
    const functionName = 'agentsched-it-call';
    const lambda = await startFakeLambda(functionName);
    cleanups.push(() => lambda.close());
    setEnv({
      AGENTSCHED_CONFIG: join(dir, 'agentsched.yaml'),
      [CALL_FUNCTION_ENV]: functionName,
      AWS_ENDPOINT_URL_LAMBDA: lambda.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    const schedule = (await import(resolve('dist/schedule.mjs'))) as { handler: Handler };
    lambda.bind(((await import(resolve('dist/call.mjs'))) as { handler: Handler }).handler);

    const request = originalRequest('high');
    const event = encodeKafkaEvent(
      [
        { topic: t.high, partition: 0, offset: '0', timestamp: Date.now(), key: null, value: Buffer.from(JSON.stringify(request)), headers: { correlation_id: String(request['correlation_id']) } },
        { topic: t.high, partition: 0, offset: '1', timestamp: Date.now(), key: null, value: Buffer.from('garbage'), headers: { correlation_id: 'bad' } },
      ],
      'msk',
      { eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/test/abc', bootstrapServers: config.kafka.bootstrap_servers.join(',') },
    );
    const summary = await schedule.handler(event, lambdaContext('agentsched-it-schedule', 60_000));
    expect(summary).toMatchObject({ records: 2, queued: 1, invalid: 1, started: 1 });
    expect(lambda.invocations.length).toBeGreaterThanOrEqual(1);

    const results = await consumeUntil(kafka, t.results, { count: 2, timeoutMs: 20_000 });
    const byCorrelation = new Map(results.map((r) => [r.headers['correlation_id'], JSON.parse(r.value!.toString('utf8')) as AgentResult]));
    expect([...byCorrelation.keys()].sort()).toEqual([String(request['correlation_id']), 'bad'].sort());
    expect(byCorrelation.get(String(request['correlation_id']))).toMatchObject({ id: request['id'], status: 'completed', model_id: 'm1' });
    expect(byCorrelation.get('bad')).toMatchObject({ status: 'failed', error: { code: 'invalid_request' } });
    const dead = await consumeUntil(kafka, t.dead_letter, { count: 1, timeoutMs: 10_000 });
    expect(dead).toHaveLength(1);
    const letter = JSON.parse(dead[0]!.value!.toString('utf8')) as { value_base64: string; reason: { code: string } };
    expect(letter.reason.code).toBe('invalid_request');
    expect(Buffer.from(letter.value_base64, 'base64').toString('utf8')).toBe('garbage');
    // Every call invocation (the first and any hand-off) ended without an error.
    await expect(Promise.all(lambda.invocations)).resolves.toBeDefined();
  });
});
