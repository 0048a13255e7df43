import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKafkaEvent } from '../../../lib/kafka/event.js';
import { consumeUntil } from '../../../lib/local/consumer.js';
import { createKafka } from '../../../lib/kafka/client.js';
import { deleteTopics, ensureTopics } from '../../../lib/kafka/admin.js';
import { createCapacityStore } from '../../../lib/capacity/index.js';
import { DynamoRequestLedger } from '../../../lib/scheduler/dynamo-ledger.js';
import { createDynamoClient } from '../../../lib/capacity/dynamo-client.js';
import { startSimServer } from '../../../lib/sim/server.js';
import { e2eConfig, originalRequest } from '../support/stack.js';

const run = promisify(execFile);
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('The Lambda artifact', () => {
  beforeAll(async () => {
    await run('npx', ['tsx', 'scripts/build.ts']);
  });

  it('packages offline with the open-source Serverless Framework: one Kafka mapping per priority topic', async () => {
    const out = mkdtempSync(join(tmpdir(), 'agentsched-package-'));
    await run('npx', ['serverless', 'package', '--stage', 'local', '--package', out], { env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' } });
    const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const resources = Object.values(template.Resources);
    const mappings = resources.filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    expect(mappings.map((m) => (m.Properties['Topics'] as string[])[0]).sort()).toEqual(['high_priority', 'low_priority', 'medium_priority']);
    expect(mappings.every((m) => m.Properties['StartingPosition'] === 'TRIM_HORIZON')).toBe(true);
    expect(mappings.every((m) => (m.Properties['ProvisionedPollerConfig'] as { MinimumPollers: number } | undefined)?.MinimumPollers === 1)).toBe(true);
    const handlers = resources.filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => String(r.Properties['Handler'])).sort();
    expect(handlers).toEqual(['dist/autoscale.handler', 'dist/reaper.handler', 'dist/schedule.handler']);
    expect(resources.filter((r) => r.Type === 'AWS::DynamoDB::Table')).toHaveLength(2);
    const fn = resources.find((r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties['Handler']).startsWith('dist/schedule'));
    expect(fn?.Properties['Runtime']).toBe('nodejs22.x');
    expect(fn?.Properties['Timeout']).toBeLessThanOrEqual(840);
  });

  it('the bundled schedule handler answers an MSK event against the real broker and table', async () => {
    const sim = await startSimServer({ port: 0, models: [{ id: 'm1', capacity: 2, latencyMs: 20, perTokenMs: 0 }] });
    cleanups.push(() => sim.close());
    const config = e2eConfig({ models: [{ id: 'm1', endpoint: sim.url, supported_tasks: ['text_generation'], capacity: 2 }] });
    const dir = mkdtempSync(join(tmpdir(), 'agentsched-bundle-'));
    writeFileSync(join(dir, 'agentsched.yaml'), JSON.stringify(config));
    const dynamo = createDynamoClient(config.dynamodb);
    const store = createCapacityStore(config, { client: dynamo });
    await store.ensureTable();
    await store.putModel(config.models[0]!);
    await new DynamoRequestLedger(dynamo, config.capacity.requests_table).ensureTable();
    const kafka = createKafka(config.kafka.bootstrap_servers, 'it-bundle');
    const t = config.kafka.topics;
    await ensureTopics(kafka, [t.high, t.results, t.dead_letter].map((name) => ({ name, partitions: 1 })));
    cleanups.push(() => deleteTopics(kafka, [t.high, t.results, t.dead_letter]));

    process.env['AGENTSCHED_CONFIG'] = join(dir, 'agentsched.yaml');
    const bundle = (await import(resolve('dist/schedule.mjs'))) as { handler: (e: unknown, c: Context) => Promise<Record<string, number>> };
    const request = originalRequest('high');
    const event = encodeKafkaEvent(
      [
        { topic: t.high, partition: 0, offset: '0', timestamp: Date.now(), key: null, value: Buffer.from(JSON.stringify(request)), headers: { correlation_id: String(request['correlation_id']) } },
        { topic: t.high, partition: 0, offset: '1', timestamp: Date.now(), key: null, value: Buffer.from('garbage'), headers: { correlation_id: 'bad' } },
      ],
      'msk',
      { eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/test/abc', bootstrapServers: config.kafka.bootstrap_servers.join(',') },
    );
    const context = { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'it-1' } as unknown as Context;
    const summary = await bundle.handler(event, context);
    expect(summary).toMatchObject({ records: 2, completed: 1, failed: 1, deadLettered: 1 });
    const results = await consumeUntil(kafka, t.results, { count: 2, timeoutMs: 10_000 });
    expect(results.map((r) => r.headers['correlation_id']).sort()).toEqual([String(request['correlation_id']), 'bad'].sort());
  });
});
