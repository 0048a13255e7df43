import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../lib/contracts/decode.js';
import { LIMITS } from '../../../lib/contracts/limits.js';
import { InvalidRequestError } from '../../../lib/errors/index.js';

// Exactly what the original Python demo produced: Message(...).model_dump() as JSON, with a
// correlation_id header equal to the body field.
const ORIGINAL = readFileSync('test/fixtures/original-demo-request.json', 'utf8');
const original = JSON.parse(ORIGINAL) as Record<string, unknown>;
const HEADERS = { correlation_id: original['correlation_id'] as string };

function rejectField(value: unknown, headers: Record<string, string> = HEADERS): { field: string; message: string } {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const result = decodeRequest(Buffer.from(text), headers);
  if (result.ok) throw new Error(`expected rejection of ${text.slice(0, 100)}`);
  expect(result.error).toBeInstanceOf(InvalidRequestError);
  expect(result.error.code).toBe('invalid_request');
  return { field: result.error.field, message: result.error.message };
}

describe('Function: decodeRequest', () => {
  it('accepts a request exactly as the original Python demo produced it', () => {
    const result = decodeRequest(Buffer.from(ORIGINAL), HEADERS);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.request).toMatchObject({
      id: 'task_4821',
      task_type: 'text_generation',
      priority: 'high',
      content: 'Summarize the main points of climate change.',
      token_count: 137,
      correlation_id: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
      model_id: null,
      status: null,
    });
  });

  it('accepts every task type and priority of the original enums', () => {
    for (const task_type of ['text_generation', 'image_analysis', 'data_processing']) {
      for (const priority of ['high', 'medium', 'low']) {
        expect(decodeRequest(JSON.stringify({ ...original, task_type, priority })).ok).toBe(true);
      }
    }
  });

  it('accepts the new optional fields', () => {
    const result = decodeRequest(
      JSON.stringify({
        ...original,
        content: '',
        messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }],
        max_tokens: 64,
        temperature: 0.2,
        reply_topic: 'agent.replies-7',
        timeout_ms: 30_000,
        session_id: 'sess-1',
        metadata: { team: 'search' },
      }),
    );
    expect(result.ok).toBe(true);
  });

  it('takes the correlation id from the header when the body has none', () => {
    const { correlation_id: _drop, ...body } = original;
    const result = decodeRequest(JSON.stringify(body), { correlation_id: 'from-header' });
    expect(result.ok && result.request.correlation_id).toBe('from-header');
  });

  it('strips unknown fields so they never reach the LLM call', () => {
    const result = decodeRequest(JSON.stringify({ ...original, api_base: 'http://evil', extra: { a: 1 } }));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.request).not.toHaveProperty('api_base');
  });

  it('rejects malformed JSON naming the whole value', () => {
    expect(rejectField('{"id": "x", ').field).toBe('$');
    expect(rejectField('not json at all').field).toBe('$');
  });

  it('rejects bytes that are not UTF-8', () => {
    const result = decodeRequest(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.field).toBe('$');
  });

  it('rejects a JSON value that is not an object', () => {
    expect(rejectField('[1,2]').field).toBe('$');
    expect(rejectField('null').field).toBe('$');
    expect(rejectField('"text"').field).toBe('$');
  });

  it('rejects a wrong type naming the field', () => {
    expect(rejectField({ ...original, token_count: 'many' }).field).toBe('token_count');
    expect(rejectField({ ...original, id: 42 }).field).toBe('id');
    expect(rejectField({ ...original, temperature: '0.5' }).field).toBe('temperature');
  });

  it('rejects a missing field naming it', () => {
    const { id: _id, ...noId } = original;
    expect(rejectField(noId).field).toBe('id');
    const { task_type: _t, ...noTask } = original;
    expect(rejectField(noTask).field).toBe('task_type');
    const { priority: _p, ...noPriority } = original;
    expect(rejectField(noPriority).field).toBe('priority');
    const { correlation_id: _c, ...noCorrelation } = original;
    expect(rejectField(noCorrelation, {}).field).toBe('correlation_id');
  });

  it('rejects a request with neither content nor messages', () => {
    expect(rejectField({ ...original, content: '' }).field).toBe('content');
  });

  it('rejects an unknown enum value naming the field', () => {
    expect(rejectField({ ...original, priority: 'urgent' }).field).toBe('priority');
    expect(rejectField({ ...original, task_type: 'video' }).field).toBe('task_type');
    expect(rejectField({ ...original, messages: [{ role: 'wizard', content: 'x' }] }).field).toBe('messages.0.role');
  });

  it('rejects values over the size limits naming the field', () => {
    expect(rejectField({ ...original, content: 'x'.repeat(LIMITS.maxContentChars + 1) }).field).toBe('content');
    expect(rejectField({ ...original, id: 'i'.repeat(LIMITS.maxIdChars + 1) }).field).toBe('id');
    expect(rejectField({ ...original, metadata: { blob: 'm'.repeat(LIMITS.maxMetadataChars) } }).field).toBe('metadata');
    expect(rejectField({ ...original, max_tokens: 0 }).field).toBe('max_tokens');
  });

  it('rejects a record over the byte limit before parsing it', () => {
    const huge = JSON.stringify({ ...original, content: 'x'.repeat(LIMITS.maxRecordBytes) });
    const { field, message } = rejectField(huge);
    expect(field).toBe('$');
    expect(message).toMatch(/byte limit/);
  });

  it('rejects a reply topic that is not a valid topic name', () => {
    expect(rejectField({ ...original, reply_topic: 'bad topic!' }).field).toBe('reply_topic');
  });

  it('recovers the addressable fields of a rejected request', () => {
    const result = decodeRequest(JSON.stringify({ ...original, priority: 'urgent', reply_topic: 'agent.r1' }), HEADERS);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.partial).toEqual({
      id: 'task_4821',
      correlation_id: original['correlation_id'],
      reply_topic: 'agent.r1',
      task_type: 'text_generation',
    });
  });

  it('never throws, whatever the bytes', () => {
    const samples = ['', '{', '}', '{}', '0', 'true', '{"id":{}}', '\u0000', '{"messages":"x"}', '{"metadata":[]}'];
    for (const s of samples) expect(() => decodeRequest(s)).not.toThrow();
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.from(Array.from({ length: i }, (_, j) => (j * 7919 + i) % 256));
      expect(() => decodeRequest(bytes)).not.toThrow();
    }
  });
});
