import { describe, expect, it } from 'vitest';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import { classifyError, LlmCallError, redact } from '../../../lib/llm/errors.js';
import { parseRetryAfter } from '../../../lib/llm/retry-after.js';

const statusError = (status: number, message: string | undefined, headers: Record<string, string> = {}) =>
  APIError.generate(status, message === undefined ? undefined : { error: { message, type: 'x' } }, undefined, new Headers(headers));

describe('classifyError', () => {
  it('maps 429 to rate_limited, retryable, with Retry-After seconds in ms', () => {
    const e = classifyError(statusError(429, 'slow down', { 'retry-after': '3' }));
    expect(e).toBeInstanceOf(LlmCallError);
    expect(e).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 3_000, retryable: true, code: 'llm_rate_limited' });
  });

  it('prefers retry-after-ms over Retry-After', () => {
    const e = classifyError(statusError(429, 'x', { 'retry-after': '3', 'retry-after-ms': '250' }));
    expect(e.retryAfterMs).toBe(250);
  });

  it('reads an HTTP-date Retry-After against the given clock', () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    const e = classifyError(statusError(503, 'busy', { 'retry-after': 'Tue, 24 Nov 2026 10:00:05 GMT' }), { now: () => now });
    expect(e).toMatchObject({ kind: 'server_error', retryAfterMs: 5_000 });
  });

  it.each([500, 502, 503, 504])('maps %i to server_error, retryable', (status) => {
    expect(classifyError(statusError(status, 'boom'))).toMatchObject({ kind: 'server_error', status, retryable: true });
  });

  it.each([400, 401, 403, 404, 409, 422])('maps %i to rejected, not retryable', (status) => {
    expect(classifyError(statusError(status, 'no'))).toMatchObject({ kind: 'rejected', status, retryable: false });
  });

  it('maps 408 to timeout (the server gave up waiting)', () => {
    expect(classifyError(statusError(408, 'late'))).toMatchObject({ kind: 'timeout', retryable: true });
  });

  it('maps SDK timeouts and aborts to timeout', () => {
    expect(classifyError(new APIConnectionTimeoutError())).toMatchObject({ kind: 'timeout', retryable: true });
    expect(classifyError(new APIUserAbortError())).toMatchObject({ kind: 'timeout', retryable: true });
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    expect(classifyError(abort)).toMatchObject({ kind: 'timeout' });
  });

  it('maps connection failures to connection, retryable', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const e = classifyError(new APIConnectionError({ cause }));
    expect(e).toMatchObject({ kind: 'connection', retryable: true });
    expect(e.message).toContain('ECONNREFUSED');
  });

  it('keeps the upstream message (short) but not the SDK error as cause', () => {
    const e = classifyError(statusError(400, 'context length exceeded'));
    expect(e.message).toBe('LLM endpoint answered HTTP 400: context length exceeded');
    expect(e.cause).toBeUndefined();
  });

  it('keeps the text of a non-JSON error body', () => {
    const e = classifyError(APIError.generate(502, undefined, 'Bad Gateway from nginx', new Headers()));
    expect(e.message).toBe('LLM endpoint answered HTTP 502: Bad Gateway from nginx');
  });

  it('never repeats an API key an endpoint echoed back', () => {
    const key = 'sk-live-abcdef1234567890';
    const echoed = statusError(401, `Incorrect API key provided: ${key}. Header was Bearer ${key}`);
    const e = classifyError(echoed, { secrets: [key] });
    expect(e.message).not.toContain(key);
    expect(JSON.stringify(e)).not.toContain(key);
    expect(e.kind).toBe('rejected');
    const custom = 'my-self-hosted-token-42';
    expect(classifyError(statusError(500, `bad token ${custom}`), { secrets: [custom] }).message).not.toContain(custom);
  });

  it('returns an LlmCallError unchanged', () => {
    const e = new LlmCallError('server_error', 'x');
    expect(classifyError(e)).toBe(e);
  });

  it('treats a malformed response body as a server_error', () => {
    expect(classifyError(new SyntaxError('Unexpected token <'))).toMatchObject({ kind: 'server_error', retryable: true });
  });

  it('treats unknown errors as rejected (retrying a bug elsewhere does not help)', () => {
    expect(classifyError(new TypeError('x is not a function'))).toMatchObject({ kind: 'rejected', retryable: false });
    expect(classifyError('a string')).toMatchObject({ kind: 'rejected' });
  });
});

describe('redact', () => {
  it('removes bearer tokens, sk- keys and named secrets', () => {
    expect(redact('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [redacted]');
    expect(redact('key sk-proj-ABCdef123456 rejected')).toBe('key sk-[redacted] rejected');
    expect(redact('token hunter2hunter2', ['hunter2hunter2'])).toBe('token [redacted]');
  });

  it('leaves very short "secrets" such as EMPTY alone', () => {
    expect(redact('EMPTY response', ['EMPTY'])).toBe('EMPTY response');
  });
});

describe('parseRetryAfter', () => {
  it('returns undefined without the headers or with garbage', () => {
    expect(parseRetryAfter(new Headers())).toBeUndefined();
    expect(parseRetryAfter({ 'Retry-After': 'soon' })).toBeUndefined();
  });

  it('reads plain records case-insensitively and fractional seconds', () => {
    expect(parseRetryAfter({ 'Retry-After': '1.5' })).toBe(1_500);
  });

  it('never returns a negative wait for a date in the past', () => {
    expect(parseRetryAfter({ 'retry-after': 'Tue, 24 Nov 2026 10:00:00 GMT' }, Date.parse('2026-11-25T00:00:00Z'))).toBe(0);
  });
});
