import { describe, expect, it } from 'vitest';
import type { AgentResult } from '../../../lib/contracts/result.js';
import { completionBody, completionChunks, modelList, sseText } from '../../../lib/gateway/response.js';

const result: AgentResult = {
  id: 'r',
  task_type: 'text_generation',
  priority: 'high',
  correlation_id: 'abc',
  model_id: 'gpt-4-turbo',
  status: 'completed',
  content: 'hello',
  token_count: 2,
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
};

describe('OpenAI response shapes', () => {
  it('builds a chat.completion from a completed result', () => {
    expect(completionBody(result, 100, 'auto')).toEqual({
      id: 'chatcmpl-abc',
      object: 'chat.completion',
      created: 100,
      model: 'gpt-4-turbo',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hello', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
  });

  it('falls back to the requested model and to token_count for usage', () => {
    const body = completionBody({ ...result, model_id: null, usage: undefined }, 1, 'auto');
    expect(body).toMatchObject({ model: 'auto', usage: { prompt_tokens: 0, completion_tokens: 2, total_tokens: 2 } });
  });

  it('streams the text, then the finish chunk, then usage when asked, then [DONE]', () => {
    const chunks = completionChunks(result, 1, 'auto', true);
    expect(chunks).toHaveLength(3);
    expect(chunks[0]).toMatchObject({ object: 'chat.completion.chunk', choices: [{ delta: { role: 'assistant', content: 'hello' }, finish_reason: null }] });
    expect(chunks[1]).toMatchObject({ choices: [{ delta: {}, finish_reason: 'stop' }] });
    expect(chunks[2]).toMatchObject({ choices: [], usage: { total_tokens: 7 } });
    expect(completionChunks(result, 1, 'auto', false)).toHaveLength(2);
    const text = sseText(chunks);
    expect(text.split('\n\n').filter(Boolean)).toHaveLength(4);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('lists models', () => {
    expect(modelList([{ id: 'a' }])).toEqual({ object: 'list', data: [{ id: 'a', object: 'model', created: 0, owned_by: 'agentsched' }, { id: 'auto', object: 'model', created: 0, owned_by: 'agentsched' }] });
  });
});
