import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { SimStats } from '../../../lib/sim/types.js';

const CLI = 'bin/agentsched.js';
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts `agentsched sim ...` and resolves with the URL it prints first. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'sim', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const exited = once(child, 'exit').then(() => {
    throw new Error(`agentsched sim exited early: ${stderr}`);
  });
  const [url] = (await Promise.race([once(lines, 'line'), exited])) as [string];
  return { child, url };
}

describe('agentsched sim', () => {
  it('serves the demo fleet, reports /stats, and exits 0 on SIGTERM', async () => {
    const { child, url } = await startCli(['--demo-fleet', '--latency-ms', '5', '--per-token-ms', '0']);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const client = new OpenAI({ baseURL: url, apiKey: 'EMPTY', maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'gpt-4-turbo', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]!.message.content).toMatch(/^\[gpt-4-turbo\]/);
    const stats = (await (await fetch(url.replace(/\/v1$/, '/stats'))).json()) as SimStats;
    expect(stats).toMatchObject({ requests: 1, completed: 1, capacity: 18, violations: 0 });
    expect(Object.fromEntries(Object.entries(stats.models).map(([id, m]) => [id, m.capacity]))).toEqual({
      'gpt-3.5': 5,
      'gpt-4-turbo': 3,
      'gpt-4-o': 10,
    });
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('applies --capacity and --fail-rate to a single model that answers to any name', async () => {
    const { child, url } = await startCli(['--capacity', '3', '--latency-ms', '1', '--fail-rate', '1']);
    const client = new OpenAI({ baseURL: url, apiKey: 'EMPTY', maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 500 });
    const stats = (await (await fetch(url.replace(/\/v1$/, '/stats'))).json()) as SimStats;
    expect(stats).toMatchObject({ capacity: 3, failures_injected: 1 });
    child.kill('SIGINT');
    expect((await once(child, 'exit'))[0]).toBe(0);
  });

  it('prints help, and rejects bad values', () => {
    const help = spawnSync(process.execPath, [CLI, 'sim', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const flag of ['--port', '--capacity', '--latency-ms', '--fail-rate', '--rate-limit-rate', '--retry-after', '--demo-fleet']) {
      expect(help.stdout).toContain(flag);
    }
    const bad = spawnSync(process.execPath, [CLI, 'sim', '--capacity', 'zero'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--capacity');
  });
});
