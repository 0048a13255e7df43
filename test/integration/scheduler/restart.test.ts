import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteTopics, ensureTopics } from '../../../lib/kafka/admin.js';
import { startCli } from '../support/cli-process.js';
import { AgentSide, e2eConfig, originalRequest } from '../support/stack.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `agentsched dev --simulate` in a child process; resolves once it consumes. */
const startDev = (configFile: string): Promise<ChildProcess> => startCli(['dev', '--config', configFile, '--simulate', '--log-level', 'info'], cleanups);

describe('Runner killed and restarted mid-stream (real Kafka, DynamoDB Local)', () => {
  it('loses no request and never gives one request two different answers', async () => {
    const config = e2eConfig({ connection_pool: { timeout: 3 }, capacity: { lease_ttl_ms: 4_000 } });
    const file = join(mkdtempSync(join(tmpdir(), 'agentsched-restart-')), 'agentsched.yaml');
    writeFileSync(file, JSON.stringify(config)); // JSON is YAML
    const agents = new AgentSide(config);
    const t = config.kafka.topics;
    await ensureTopics(agents.kafka, [t.high, t.medium, t.low, t.results, t.dead_letter].map((name) => ({ name, partitions: name === t.results || name === t.dead_letter ? 1 : 3 })));
    await agents.start();
    cleanups.push(async () => {
      await agents.stop();
      await deleteTopics(agents.kafka, [t.high, t.medium, t.low, t.results, t.dead_letter]).catch(() => undefined);
    });

    const first = await startDev(file);
    const requests = Array.from({ length: 200 }, (_, i) => originalRequest((['high', 'medium', 'low'] as const)[i % 3]!));
    await agents.send(requests);
    // Kill it hard while work is in flight.
    const deadline = Date.now() + 30_000;
    while (agents.results.size < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    first.kill('SIGKILL');
    const answeredBeforeKill = agents.results.size;
    expect(answeredBeforeKill).toBeLessThan(200);

    const second = await startDev(file);
    await agents.waitFor(requests.map((r) => String(r['correlation_id'])), 90_000);
    await new Promise((r) => setTimeout(r, 1_000));
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
    expect(second.exitCode).toBe(0);

    let identicalRepeats = 0;
    for (const r of requests) {
      const answers = agents.results.get(String(r['correlation_id']))!;
      expect(answers[0]!.status).toBe('completed');
      // A second copy can only be the stored result re-published (a crash between publish and
      // its ledger mark): the same answer, never a second model call's different one.
      for (const a of answers.slice(1)) {
        expect({ content: a.content, model: a.model_id }).toEqual({ content: answers[0]!.content, model: answers[0]!.model_id });
        identicalRepeats += 1;
      }
    }
    console.log(`answered before kill: ${answeredBeforeKill}; identical re-publications after the crash: ${identicalRepeats}`);
    expect(identicalRepeats).toBeLessThanOrEqual(5);
  }, 180_000);
});
