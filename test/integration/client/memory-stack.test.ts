import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSchedClient } from '../../../lib/client/client.js';
import { MemoryClientTransport } from '../../../lib/client/memory-transport.js';
import { startLocalStack } from '../../../lib/local/stack.js';
import type { LocalStack } from '../../../lib/local/stack.js';
import { e2eConfig } from '../support/stack.js';

describe('AgentSchedClient on the in-process stack (npm start without a broker)', () => {
  let stack: LocalStack;
  let client: AgentSchedClient;

  beforeAll(async () => {
    stack = await startLocalStack({ config: e2eConfig(), transport: 'memory', simulate: 'demo', startingPosition: 'TRIM_HORIZON' });
    client = await AgentSchedClient.connect({ config: stack.config, transport: new MemoryClientTransport(stack.log!) });
  });
  afterAll(async () => {
    await client?.close();
    await stack?.stop();
  });

  it('gets answers from the real scheduler through the in-process log', async () => {
    const results = await Promise.all(
      (['high', 'medium', 'low'] as const).map((priority) => client.request({ content: `a ${priority} question`, priority }, { timeoutMs: 30_000 })),
    );
    for (const r of results) {
      expect(r.status).toBe('completed');
      expect(r.content.length).toBeGreaterThan(0);
      expect(['gpt-3.5', 'gpt-4-turbo', 'gpt-4-o']).toContain(r.model_id);
    }
    expect(results.map((r) => r.priority)).toEqual(['high', 'medium', 'low']);
  });

  it('resolves a failed answer from the scheduler as a result, not an exception', async () => {
    const result = await client.request({ content: 'look', task_type: 'image_analysis', model_id: 'gpt-3.5' }, { timeoutMs: 30_000 });
    expect(result).toMatchObject({ status: 'failed', error: { code: 'no_capable_model' } });
  });
});
