import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { listTopics } from '../../../lib/kafka/admin.js';
import { serviceEnv } from '../support/services.js';
import { createTestBed } from './fixture.js';
import type { TestBed } from './fixture.js';
import { startResponder } from './responder.js';
import type { Responder } from './responder.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], brokers = serviceEnv().kafkaBrokers.join(',')): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/agentsched.js', ...args],
      { env: { ...process.env, KAFKA_BROKERS: brokers }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('agentsched send / topics (the CLI against the real broker)', () => {
  let bed: TestBed;
  let responder: Responder;
  let dir: string;
  let configFile: string;

  beforeAll(async () => {
    bed = await createTestBed('cli');
    responder = await startResponder(bed.kafka, bed.config);
    dir = mkdtempSync(join(tmpdir(), 'agentsched-cli-'));
    configFile = join(dir, 'agentsched.yaml');
    writeFileSync(configFile, stringify({ kafka: { client_id: bed.clientId, topics: bed.config.kafka.topics }, models: bed.config.models }));
  });
  afterAll(async () => {
    await responder?.stop();
    await bed?.cleanup([`agent.${bed.clientId}.cli`]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the answer and exits 0; prints the result as JSON with --json', async () => {
    const plain = await cli(['send', '--config', configFile, '--content', 'from the cli', '--priority', 'high']);
    expect(plain).toMatchObject({ code: 0, stdout: 'echo: from the cli\n' });
    expect(plain.stderr).toMatch(/model test-model/);
    const json = await cli(['send', '--config', configFile, '--content', 'as json', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'completed', content: 'echo: as json', priority: 'medium' });
  });

  it('exits 1 when the result is failed, and when no answer comes in time', async () => {
    const failed = await cli(['send', '--config', configFile, '--content', 'fail:capacity_unavailable']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/failed: capacity_unavailable/);
    const timedOut = await cli(['send', '--config', configFile, '--content', 'silent', '--timeout-ms', '300']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toMatch(/request_timeout/);
  });

  it('against a dead broker fails with one line naming the broker and the variable to set', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const dead = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((r) => server.close(() => r()));
    const run = await cli(['send', '--config', configFile, '--content', 'nobody listens'], dead);
    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n').filter((l) => l.trim() !== '' && !/NodeVersionSupportWarning|node >=22|a\.co\/|upgrade to node|versions published|trace-warnings|To continue receiving/.test(l));
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^agentsched: infrastructure_unavailable: Kafka is not reachable at ${dead} .*KAFKA_BROKERS`))]);
    expect(run.stdout).toBe('');
  });

  it('reuses one reply topic across runs instead of leaving one per run behind', async () => {
    const replyTopics = (await listTopics(bed.kafka)).filter((t) => t.startsWith(`agent.${bed.clientId}`));
    expect(replyTopics).toEqual([`agent.${bed.clientId}.cli`]);
  });

  it('creates the configured topics idempotently and lists them with their roles', async () => {
    const created = await cli(['topics', 'create', '--config', configFile, '--json']);
    expect(created.code).toBe(0);
    const rows = JSON.parse(created.stdout) as { topic: string; role: string; status: string }[];
    expect(rows.map((r) => [r.role, r.status])).toEqual([
      ['high', 'exists'],
      ['medium', 'exists'],
      ['low', 'exists'],
      ['results', 'exists'],
      ['dead_letter', 'exists'],
    ]);
    const listed = await cli(['topics', 'list', '--config', configFile, '--json']);
    const all = JSON.parse(listed.stdout) as { topic: string; role: string | null; partitions: number }[];
    expect(all.find((r) => r.topic === bed.config.kafka.topics.medium)).toEqual({ topic: bed.config.kafka.topics.medium, role: 'medium', partitions: 3 });
    expect(all.find((r) => r.topic === `agent.${bed.clientId}.cli`)?.role).toBe('reply');
  });

  it('gateway --api-key-env refuses to start when the variable holds no key, naming it', async () => {
    const run = await cli(['gateway', '--config', configFile, '--port', '0', '--api-key-env', 'AGENTSCHED_TEST_NO_SUCH_KEY']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/AGENTSCHED_TEST_NO_SUCH_KEY/);
    expect(run.stdout).toBe('');
  });
});
