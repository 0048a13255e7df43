import { describe, expect, it } from 'vitest';
import { buildRequest, parseReply, requestRecord } from '../../../lib/client/build.js';
import { checkReplyTopic, defaultReplyTopic } from '../../../lib/client/reply-topic.js';
import { ReplyTopicNotAllowedError } from '../../../lib/client/errors.js';
import { parseConfig } from '../../../lib/config/load.js';
import { LIMITS } from '../../../lib/contracts/limits.js';
import { InvalidRequestError } from '../../../lib/errors/index.js';

const config = parseConfig({ models: [{ id: 'm', endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation'], capacity: 1 }] }, 'test');

describe('buildRequest', () => {
  it('fills id, correlation id, task type, priority, reply topic and timeout_ms', () => {
    const req = buildRequest({ content: 'hi' }, { correlationId: 'c-1', replyTopic: 'agent.x.1', timeoutMs: 5_000 });
    expect(req).toMatchObject({
      id: 'c-1',
      correlation_id: 'c-1',
      task_type: 'text_generation',
      priority: 'medium',
      content: 'hi',
      token_count: 0,
      reply_topic: 'agent.x.1',
      timeout_ms: 5_000,
    });
  });

  it('keeps what the caller set, including its own deadline', () => {
    const req = buildRequest(
      { id: 'task_1', correlation_id: 'mine', content: 'x', priority: 'high', deadline_ms: 123 },
      { correlationId: 'generated', timeoutMs: 5_000 },
    );
    expect(req).toMatchObject({ id: 'task_1', correlation_id: 'mine', priority: 'high', deadline_ms: 123 });
    expect(req.timeout_ms).toBeUndefined();
  });

  it('throws InvalidRequestError naming the field instead of building a bad record', () => {
    expect(() => buildRequest({}, { correlationId: 'c' })).toThrow(InvalidRequestError);
    const err = (() => {
      try {
        buildRequest({ content: 'x', temperature: 9 }, { correlationId: 'c' });
      } catch (e) {
        return e as InvalidRequestError;
      }
    })();
    expect(err?.field).toBe('temperature');
  });
});

describe('requestRecord', () => {
  it('goes to the priority topic with the correlation_id header, shaped like the original agents', () => {
    const req = buildRequest({ content: 'hi', priority: 'low' }, { correlationId: 'c-2' });
    const record = requestRecord(req, config);
    expect(record).toMatchObject({ topic: 'low_priority', key: 'c-2', headers: { correlation_id: 'c-2' } });
    expect(JSON.parse(String(record.value))).toMatchObject({ id: 'c-2', model_id: null, status: null, token_count: 0 });
  });

  it('keys by session so a session stays on one partition', () => {
    const req = buildRequest({ content: 'hi', session_id: 's-1' }, { correlationId: 'c-3' });
    expect(requestRecord(req, config).key).toBe('s-1');
  });

  it('refuses a request larger than a record may be', () => {
    const req = buildRequest({ content: 'x', metadata: {} }, { correlationId: 'c' });
    const huge = { ...req, content: 'y'.repeat(LIMITS.maxRecordBytes) };
    expect(() => requestRecord(huge, config)).toThrow(InvalidRequestError);
  });
});

describe('parseReply', () => {
  const result = { id: 'a', task_type: 'text_generation', priority: 'high', correlation_id: 'c', model_id: 'm', status: 'completed', content: 'x', token_count: 1 };

  it('accepts a valid result and takes the header correlation id when the body has none', () => {
    expect(parseReply({ value: Buffer.from(JSON.stringify(result)), headers: {} })).toMatchObject({ ok: true, result: { correlation_id: 'c' } });
    const noId = { ...result, correlation_id: '' };
    expect(parseReply({ value: Buffer.from(JSON.stringify(noId)), headers: { correlation_id: 'h' } })).toMatchObject({ ok: true, result: { correlation_id: 'h' } });
  });

  it('rejects garbage without throwing', () => {
    expect(parseReply({ value: Buffer.from('nope'), headers: {} }).ok).toBe(false);
    expect(parseReply({ value: Buffer.from('[1]'), headers: {} }).ok).toBe(false);
    expect(parseReply({ value: Buffer.from(JSON.stringify({ ...result, status: 'maybe' })), headers: {} })).toMatchObject({ ok: false, reason: expect.stringContaining('status') as string });
  });
});

describe('reply topics', () => {
  it('names a unique default topic that the default pattern allows', () => {
    const a = defaultReplyTopic('my agent/1');
    expect(a).toMatch(/^agent\.my-agent-1\.[0-9a-f]{8}$/);
    expect(defaultReplyTopic('my agent/1')).not.toBe(a);
    expect(() => checkReplyTopic(a, config)).not.toThrow();
  });

  it('refuses a topic the scheduler would not answer on', () => {
    expect(() => checkReplyTopic('replies', config)).toThrow(ReplyTopicNotAllowedError);
    const reserved = parseConfig({ kafka: { topics: { results: 'agent.results' } }, models: config.models }, 'test');
    expect(() => checkReplyTopic('agent.results', reserved)).toThrow(ReplyTopicNotAllowedError);
  });
});
