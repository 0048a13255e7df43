import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimServer } from '../../../lib/sim/server.js';
import { startCli } from '../support/cli-process.js';
import { AgentSide, e2eConfig, originalRequest, startE2eStack } from '../support/stack.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** `agentsched worker` (functions/call behind a local Invoke endpoint) in a child process. */
const startWorker = (configFile: string, port: number): Promise<ChildProcess> =>
  startCli(['worker', '--config', configFile, '--port', String(port), '--log-level', 'warn'], cleanups);

const until = async (what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('A call worker killed mid-call (real Kafka, DynamoDB Local, a worker process)', () => {
  it('answers each request exactly once and gives the slots back', async () => {
    const sim = await startSimServer({ port: 0, models: [{ id: 'm1', capacity: 2, latencyMs: 4_000, perTokenMs: 0 }] });
    cleanups.push(() => sim.close());
    // Short claims and leases, so the drill takes seconds; the sweep runs every second here.
    const config = e2eConfig({ models: [{ id: 'm1', endpoint: sim.url, supported_tasks: ['text_generation'], capacity: 2 }] });
    config.capacity.lease_ttl_ms = 2_000;
    config.scheduler.claim_ttl_ms = 2_000;
    const file = join(mkdtempSync(join(tmpdir(), 'agentsched-kill-call-')), 'agentsched.yaml');
    writeFileSync(file, JSON.stringify(config)); // JSON is YAML
    const port = await freePort();
    const first = await startWorker(file, port);
    const { stack, cleanup } = await startE2eStack(config, { simulate: undefined, callEndpoint: `http://127.0.0.1:${port}` });
    cleanups.push(cleanup);
    const agents = new AgentSide(stack.config);
    await agents.start();
    cleanups.push(() => agents.stop());

    const requests = [originalRequest('high'), originalRequest('low')];
    await agents.send(requests);
    // Both calls are running in the worker: kill it before either answers.
    await until('both calls to reach the model', () => (sim.stats().models['m1']?.in_flight ?? 0) === 2, 30_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(agents.results.size).toBe(0);

    // A new worker on the same endpoint; the sweep finds the lapsed claims and dispatches again.
    await startWorker(file, port);
    await agents.waitFor(requests.map((r) => String(r['correlation_id'])), 60_000);
    await new Promise((r) => setTimeout(r, 1_000)); // a second answer would arrive by now
    for (const r of requests) {
      const answers = agents.results.get(String(r['correlation_id']))!;
      expect(answers).toHaveLength(1);
      expect(answers[0]).toMatchObject({ status: 'completed', model_id: 'm1', id: r['id'] });
    }
    // The dead calls never answered; each request was run once more, never beyond capacity.
    const m1 = sim.stats().models['m1']!;
    expect({ requests: m1.requests, violations: m1.violations }).toEqual({ requests: 4, violations: 0 });
    // The slots the dead worker held came back (reaped), and nothing holds one now.
    await until('the slots to come back', async () => {
      const state = (await stack.deps.store.getModel('m1'))?.state;
      return state?.inFlight === 0 && state.liveLeases === 0;
    }, 15_000);
    expect(await stack.deps.queue.depth()).toEqual({ high: 0, medium: 0, low: 0 });
    expect(await stack.deps.queue.lapsed(Date.now() + 60_000, 10)).toEqual([]);
  }, 120_000);
});
