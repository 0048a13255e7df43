import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../lib/contracts/decode.js';
import { exportedSchemas } from '../../../lib/contracts/json-schema.js';

const base = { id: 'r1', task_type: 'text_generation', priority: 'high', correlation_id: 'c1' };
const toolCall = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

/** Requests both sides must agree on; `valid` is what the decoder (the source of truth) decides. */
const CASES: { name: string; request: Record<string, unknown>; valid: boolean }[] = [
  { name: 'the original wire format', request: { ...base, content: 'hi', token_count: 3, model_id: null, status: null }, valid: true },
  { name: 'neither content nor messages', request: { ...base }, valid: false },
  { name: 'empty content and no messages', request: { ...base, content: '' }, valid: false },
  { name: 'empty content and an empty messages array', request: { ...base, content: '', messages: [] }, valid: false },
  { name: 'messages only', request: { ...base, messages: [{ role: 'user', content: 'hi' }] }, valid: true },
  {
    name: 'a tool loop second turn (assistant tool_calls with content null, a tool answer)',
    request: {
      ...base,
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [toolCall] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
      ],
      tools,
      tool_choice: 'auto',
    },
    valid: true,
  },
  { name: 'an unknown role', request: { ...base, messages: [{ role: 'robot', content: 'x' }] }, valid: false },
  { name: 'a user message with content null', request: { ...base, messages: [{ role: 'user', content: null }] }, valid: false },
  { name: 'response_format json_schema', request: { ...base, content: 'x', response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'object' } } } }, valid: true },
  { name: 'an unknown response_format type', request: { ...base, content: 'x', response_format: { type: 'yaml' } }, valid: false },
  { name: 'n = 2', request: { ...base, content: 'x', n: 2 }, valid: false },
  { name: 'top_p above 1', request: { ...base, content: 'x', top_p: 1.5 }, valid: false },
  { name: 'five stop sequences', request: { ...base, content: 'x', stop: ['a', 'b', 'c', 'd', 'e'] }, valid: false },
  { name: 'every chat parameter', request: { ...base, content: 'x', top_p: 0.5, stop: ['\n'], seed: 7, presence_penalty: 1, frequency_penalty: -1, logit_bias: { '50256': -100 }, user: 'u', max_completion_tokens: 10, n: 1, stream: true, parallel_tool_calls: false, tools, tool_choice: { type: 'function', function: { name: 'get_weather' } } }, valid: true },
  { name: 'a wrong priority', request: { ...base, priority: 'urgent', content: 'x' }, valid: false },
];

describe('the exported request JSON Schema and the decoder', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(exportedSchemas()['agent-request.schema.json'] as object);

  it.each(CASES)('agree on $name', ({ request, valid }) => {
    const decoded = decodeRequest(JSON.stringify(request));
    expect(decoded.ok).toBe(valid);
    expect(validate(request)).toBe(valid);
  });
});
