import { describe, expect, it } from 'vitest';
import { chatCall, estimateTokens, hasImage } from '../../../lib/gateway/chat.js';
import { GatewayHttpError } from '../../../lib/gateway/errors.js';
import { parsePriority, parseSessionId, parseTaskType, parseTimeoutMs } from '../../../lib/gateway/headers.js';

const models = new Set(['gpt-4-turbo', 'local-llama']);
const user = (content: unknown): Record<string, unknown> => ({ role: 'user', content });

function httpError(fn: () => unknown): GatewayHttpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof GatewayHttpError) return e;
    throw e;
  }
  throw new Error('expected a GatewayHttpError');
}

describe('chatCall', () => {
  it('builds a routed request from a plain chat body', () => {
    const call = chatCall({ model: 'gpt-4o', messages: [user('hello world!')] }, {}, models);
    expect(call).toMatchObject({ stream: false, includeUsage: false, requestedModel: 'gpt-4o', timeoutMs: undefined });
    expect(call.input).toEqual({
      task_type: 'text_generation',
      priority: 'medium',
      messages: [{ role: 'user', content: 'hello world!' }],
      token_count: 3,
      metadata: { source: 'openai-gateway', requested_model: 'gpt-4o' },
    });
  });

  it('pins a configured model and forwards max_completion_tokens as such, temperature and the user (also as session)', () => {
    const call = chatCall({ model: 'local-llama', messages: [user('x')], max_completion_tokens: 64, temperature: 0, user: 'u-9' }, {}, models);
    expect(call.input).toMatchObject({ model_id: 'local-llama', max_completion_tokens: 64, temperature: 0, session_id: 'u-9', user: 'u-9' });
    expect(call.input.max_tokens).toBeUndefined();
  });

  it('forwards the OpenAI parameters as given and drops fields it does not know', () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const body = { messages: [user('x')], tools, tool_choice: 'required', parallel_tool_calls: false, response_format: { type: 'json_object' }, top_p: 0.9, stop: ['END'], seed: 3, presence_penalty: 0.5, frequency_penalty: 0.1, logit_bias: { '1': 5 }, stream: true, made_up: 1 };
    const call = chatCall(body, {}, models);
    const { messages: _m, made_up: _x, ...params } = body;
    expect(call.input).toMatchObject(params);
    expect(call.input).not.toHaveProperty('made_up');
  });

  it('lets headers win over the body', () => {
    const call = chatCall(
      { model: 'auto', messages: [user('x')], priority: 'low', user: 'body-user' },
      { 'x-agentsched-priority': 'HIGH', 'x-agentsched-session-id': 'hdr', 'x-agentsched-task-type': 'data_processing', 'x-agentsched-timeout-ms': '1500' },
      models,
    );
    expect(call.input).toMatchObject({ priority: 'high', session_id: 'hdr', task_type: 'data_processing' });
    expect(call.timeoutMs).toBe(1_500);
  });

  it('defaults an image request to image_analysis', () => {
    const call = chatCall({ model: 'auto', messages: [user([{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url: 'data:' } }])] }, {}, models);
    expect(call.input.task_type).toBe('image_analysis');
  });

  it('reads stream and stream_options.include_usage', () => {
    expect(chatCall({ messages: [user('x')], stream: true, stream_options: { include_usage: true } }, {}, models)).toMatchObject({
      stream: true,
      includeUsage: true,
      requestedModel: 'auto',
    });
  });

  it('refuses bodies it cannot serve with 400 naming the parameter', () => {
    expect(httpError(() => chatCall([], {}, models)).status).toBe(400);
    expect(httpError(() => chatCall({ model: 'auto' }, {}, models)).body.error.param).toBe('messages');
    expect(httpError(() => chatCall({ messages: [] }, {}, models)).body.error.param).toBe('messages');
    expect(httpError(() => chatCall({ messages: [user('x')], n: 2 }, {}, models)).body.error.param).toBe('n');
    expect(httpError(() => chatCall({ messages: [user('x')], model: 7 }, {}, models)).body.error.param).toBe('model');
    expect(httpError(() => chatCall({ messages: [user('x')], stream: 'yes' }, {}, models)).body.error.param).toBe('stream');
  });
});

describe('header parsing', () => {
  it('parses priority from the header, else the body, else medium', () => {
    expect(parsePriority({ 'x-agentsched-priority': 'low' }, 'high')).toBe('low');
    expect(parsePriority({}, 'high')).toBe('high');
    expect(parsePriority({}, undefined)).toBe('medium');
    expect(parsePriority({ 'x-agentsched-priority': '  ' }, undefined)).toBe('medium');
    expect(httpError(() => parsePriority({}, 'urgent')).body.error.param).toBe('priority');
    expect(httpError(() => parsePriority({ 'x-agentsched-priority': 'urgent' }, 'high')).body.error.param).toBe('x-agentsched-priority');
  });

  it('parses the task type header', () => {
    expect(parseTaskType({ 'x-agentsched-task-type': 'image_analysis' }, 'text_generation')).toBe('image_analysis');
    expect(parseTaskType({}, 'data_processing')).toBe('data_processing');
    expect(httpError(() => parseTaskType({ 'x-agentsched-task-type': 'poetry' }, 'text_generation')).status).toBe(400);
  });

  it('parses the timeout header as a positive integer up to a day', () => {
    expect(parseTimeoutMs({ 'x-agentsched-timeout-ms': '250' })).toBe(250);
    expect(parseTimeoutMs({})).toBeUndefined();
    for (const bad of ['0', '-5', '1.5', 'soon', '86400001']) {
      expect(httpError(() => parseTimeoutMs({ 'x-agentsched-timeout-ms': bad })).body.error.param).toBe('x-agentsched-timeout-ms');
    }
  });

  it('takes the session from the header, else the body user', () => {
    expect(parseSessionId({ 'x-agentsched-session-id': 's' }, 'u')).toBe('s');
    expect(parseSessionId({}, 'u')).toBe('u');
    expect(parseSessionId({}, 42)).toBeUndefined();
  });
});

describe('prompt helpers', () => {
  it('estimates tokens from text content and text parts', () => {
    expect(estimateTokens([user('abcdefgh'), user([{ type: 'text', text: 'abcd' }, { type: 'image_url' }])])).toBe(3);
  });

  it('detects image parts', () => {
    expect(hasImage([user('x')])).toBe(false);
    expect(hasImage([user([{ type: 'image_url', image_url: { url: 'u' } }])])).toBe(true);
  });
});
