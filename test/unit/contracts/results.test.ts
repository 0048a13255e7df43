import { describe, expect, it } from 'vitest';
import { AgentResultSchema } from '../../../lib/contracts/result.js';
import { completedResult, failedResult } from '../../../lib/contracts/results.js';
import { AgentRequestSchema } from '../../../lib/contracts/request.js';

const request = AgentRequestSchema.parse({
  id: 'task_1', task_type: 'data_processing', priority: 'low', content: 'x', token_count: 3, correlation_id: 'c-1',
});

describe('Result builders', () => {
  it('builds a completed result with the original fields and valid shape', () => {
    const r = completedResult(request, {
      modelId: 'gpt-4-o', content: 'answer', usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
      queuedMs: 12, llmMs: 30, attempts: 1,
    });
    expect(AgentResultSchema.parse(r)).toMatchObject({
      id: 'task_1', task_type: 'data_processing', priority: 'low', correlation_id: 'c-1',
      model_id: 'gpt-4-o', status: 'completed', content: 'answer', token_count: 5,
    });
  });

  it('builds a failed result from a partially recovered request', () => {
    const r = failedResult({ correlation_id: 'c-2' }, { code: 'invalid_request', message: 'priority: bad', field: 'priority' });
    expect(AgentResultSchema.parse(r)).toMatchObject({
      id: '', task_type: null, priority: null, correlation_id: 'c-2', status: 'failed', content: '', token_count: 0,
      error: { code: 'invalid_request', retryable: false, field: 'priority' },
    });
  });
});
