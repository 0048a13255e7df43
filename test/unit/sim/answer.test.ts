import { describe, expect, it } from 'vitest';
import { sampleOf, simAnswer } from '../../../lib/sim/answer.js';
import { resolveSimModel } from '../../../lib/sim/completion.js';
import { tokenPieces } from '../../../lib/sim/sse.js';

const cfg = resolveSimModel({ id: 'sim', capacity: 1 });
const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } } } } }];
const user = [{ role: 'user', content: 'weather in Paris?' }];
const id = (): string => 'abc';

describe('simAnswer', () => {
  it('calls the offered tool with arguments that fit its parameters', () => {
    const a = simAnswer(cfg, { tools }, user, 'weather in Paris?', id);
    expect(a).toMatchObject({ content: null, finishReason: 'tool_calls' });
    expect(a.toolCalls).toEqual([{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"sim","days":1}' } }]);
  });

  it('answers a tool result in text, and calls no tool when tool_choice is none', () => {
    const second = [...user, { role: 'assistant', content: null, tool_calls: [] }, { role: 'tool', tool_call_id: 'call_abc', content: '21 C' }];
    const answer = simAnswer(cfg, { tools }, second, 'weather in Paris?', id);
    expect(answer.finishReason).toBe('stop');
    expect(answer.content).toMatch(/^\[sim\] answer to: weather/);
    expect(simAnswer(cfg, { tools, tool_choice: 'none' }, user, 'x', id).toolCalls).toBeUndefined();
  });

  it('calls the tool tool_choice names', () => {
    const two = [...tools, { type: 'function', function: { name: 'other' } }];
    expect(simAnswer(cfg, { tools: two, tool_choice: { type: 'function', function: { name: 'other' } } }, user, 'x', id).toolCalls![0]!.function).toEqual({ name: 'other', arguments: '{}' });
  });

  it('answers JSON for json_object and a fitting object for json_schema', () => {
    const obj = simAnswer(cfg, { response_format: { type: 'json_object' } }, user, 'x', id);
    expect(JSON.parse(obj.content!)).toMatchObject({ model: 'sim' });
    const schema = { type: 'object', properties: { ok: { type: 'boolean' }, tags: { type: 'array', items: { type: 'string' } } } };
    const fitted = simAnswer(cfg, { response_format: { type: 'json_schema', json_schema: { name: 'r', schema } } }, user, 'x', id);
    expect(JSON.parse(fitted.content!)).toEqual({ ok: true, tags: ['sim'] });
  });

  it('reports length when max_tokens (or max_completion_tokens) cuts the answer', () => {
    expect(simAnswer(cfg, { max_tokens: 5 }, user, 'x', id)).toMatchObject({ completionTokens: 5, finishReason: 'length' });
    expect(simAnswer(cfg, { max_completion_tokens: 7 }, user, 'x', id)).toMatchObject({ completionTokens: 7, finishReason: 'length' });
    expect(simAnswer(cfg, {}, user, 'x', id)).toMatchObject({ completionTokens: 64, finishReason: 'stop' });
  });
});

describe('sampleOf / tokenPieces', () => {
  it('takes the first enum value and cuts text in four-character pieces', () => {
    expect(sampleOf({ enum: ['c', 'f'] })).toBe('c');
    expect(tokenPieces('abcdefghij')).toEqual(['abcd', 'efgh', 'ij']);
  });
});
