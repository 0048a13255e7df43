import { describe, expect, it } from 'vitest';
import { ModelConfigSchema } from '../../../lib/config/schema.js';
import { LlmClientPool } from '../../../lib/llm/pool.js';

const model = ModelConfigSchema.parse({ id: 'm', endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation'], capacity: 2 });

describe('LlmClientPool (no network)', () => {
  it('configures clients without SDK retries and with the no-key placeholder', async () => {
    const pool = new LlmClientPool();
    const client = await pool.clientFor(model);
    expect(client.maxRetries).toBe(0);
    expect(client.apiKey).toBe('EMPTY');
    expect(client.baseURL).toBe('http://127.0.0.1:1/v1');
    await pool.close();
  });

  it('refuses to hand out clients once closed', async () => {
    const pool = new LlmClientPool();
    await pool.clientFor(model);
    await pool.close();
    expect(pool.size).toBe(0);
    await expect(pool.clientFor(model)).rejects.toThrow('closed');
  });
});
