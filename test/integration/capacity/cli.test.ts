import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceEnv } from '../support/services.js';
import { createTestTable } from './support.js';
import type { TestTable } from './support.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('agentsched models / capacity CLI on DynamoDB Local', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable(serviceEnv().dynamodbEndpoint);
  });
  afterAll(async () => {
    await table?.drop();
  });

  function cli(...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['bin/agentsched.js', ...args],
        {
          cwd: ROOT,
          env: { ...process.env, DYNAMODB_ENDPOINT: table.endpoint, CAPACITY_TABLE: table.table, NODE_NO_WARNINGS: '1' },
        },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }
  const json = (run: Run): unknown => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout);
  };

  it('syncs every model of a config file, and lists them', async () => {
    const added = json(await cli('models', 'add', '--from-config', 'agentsched.yaml', '--json')) as { id: string; action: string }[];
    expect(added.map((r) => [r.id, r.action])).toEqual([['gpt-3.5', 'added'], ['gpt-4-turbo', 'added'], ['gpt-4-o', 'added']]);
    const listed = json(await cli('models', 'list', '--config', 'agentsched.yaml', '--json')) as { id: string; capacity: number }[];
    expect(listed.map((m) => m.id)).toEqual(['gpt-3.5', 'gpt-4-o', 'gpt-4-turbo']);
  });

  it('adds a model from options, refuses a duplicate or an invalid one with a non-zero exit, and updates it', async () => {
    const add = ['models', 'add', '--id', 'vllm-1', '--endpoint', 'http://vllm-1:8000/v1', '--tasks', 'text_generation,data_processing',
      '--capacity', '6', '--rpm', '600', '--shards', '2', '--api-key-env', 'VLLM_KEY'];
    expect(json(await cli(...add, '--json'))).toMatchObject([{ id: 'vllm-1', capacity: 6, shards: 2, rpm: 600, api_key: 'env:VLLM_KEY' }]);
    const dup = await cli(...add);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('model_exists');
    const bad = await cli('models', 'add', '--id', 'x', '--endpoint', 'not a url', '--tasks', 'text_generation', '--capacity', '1');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('endpoint');
    const updated = json(await cli('models', 'update', 'vllm-1', '--capacity', '8', '--rpm', 'none', '--json')) as Record<string, unknown>[];
    expect(updated).toMatchObject([{ id: 'vllm-1', capacity: 8, shards: 2 }]);
    expect(updated[0]).not.toHaveProperty('rpm');
  });

  it('shows live state, reaps an expired lease, and removes a busy model only with --force', async () => {
    const store = table.store();
    const lease = await store.acquire({ modelId: 'vllm-1', priority: 'high', leaseId: 'cli-lease', estimatedTokens: 0, ttlMs: 1 });
    expect(lease.granted).toBe(true);
    const stats = json(await cli('models', 'stats', 'vllm-1', '--json')) as { id: string; inFlight: number; capacity: number }[];
    expect(stats).toMatchObject([{ id: 'vllm-1', inFlight: 1, capacity: 8 }]);
    const table_ = await cli('models', 'stats');
    expect(table_.stdout).toMatch(/^id\s+capacity\s+in_flight/);
    expect(json(await cli('capacity', 'reap', '--json'))).toMatchObject({ reclaimed: 1 });
    expect((await cli('capacity', 'reap')).stdout).toContain('reclaimed 0 expired lease(s)');

    await store.acquire({ modelId: 'vllm-1', priority: 'high', leaseId: 'cli-busy', estimatedTokens: 0 });
    const busy = await cli('models', 'remove', 'vllm-1');
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('model_busy');
    expect(json(await cli('models', 'remove', 'vllm-1', '--force', '--json'))).toEqual({ id: 'vllm-1', removed: true });
    const gone = await cli('models', 'remove', 'vllm-1');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('model_not_found');
  });
});
