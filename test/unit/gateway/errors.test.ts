import { describe, expect, it } from 'vitest';
import { ClientClosedError, RequestTimeoutError } from '../../../lib/client/errors.js';
import { ERROR_CODES } from '../../../lib/contracts/result.js';
import { InfrastructureError, InvalidRequestError } from '../../../lib/errors/index.js';
import { RESULT_ERROR_STATUS, exceptionToHttp, resultErrorToHttp } from '../../../lib/gateway/errors.js';

describe('resultErrorToHttp', () => {
  it.each([
    ['invalid_request', 400, 'invalid_request_error', 'invalid_request'],
    ['model_rejected', 400, 'invalid_request_error', 'model_rejected'],
    ['no_capable_model', 404, 'invalid_request_error', 'model_not_found'],
    ['rate_limited', 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['capacity_unavailable', 503, 'server_error', 'capacity_unavailable'],
    ['model_error', 502, 'server_error', 'model_error'],
    ['timeout', 504, 'server_error', 'timeout'],
    ['deadline_exceeded', 504, 'server_error', 'deadline_exceeded'],
    ['reply_topic_not_allowed', 500, 'server_error', 'reply_topic_not_allowed'],
    ['internal', 500, 'server_error', 'internal'],
  ] as const)('answers %s with HTTP %i', (code, status, type, openAiCode) => {
    const err = resultErrorToHttp({ code, message: 'm', retryable: false });
    expect(err.status).toBe(status);
    expect(err.body).toEqual({ error: { message: 'm', type, code: openAiCode, param: null } });
  });

  it('covers every error code of the result contract', () => {
    expect(Object.keys(RESULT_ERROR_STATUS).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('names the field as param and passes retryable on as x-should-retry', () => {
    const err = resultErrorToHttp({ code: 'invalid_request', message: 'bad', retryable: false, field: 'messages.0' });
    expect(err.body.error.param).toBe('messages.0');
    expect(resultErrorToHttp({ code: 'capacity_unavailable', message: 'm', retryable: true }).shouldRetry).toBe(true);
  });

  it('answers 500 for a failed result without an error', () => {
    expect(resultErrorToHttp(undefined).status).toBe(500);
  });
});

describe('exceptionToHttp', () => {
  it('maps client-side failures', () => {
    expect(exceptionToHttp(new InvalidRequestError('temperature', 'too big'))).toMatchObject({ status: 400, body: { error: { param: 'temperature' } } });
    expect(exceptionToHttp(new RequestTimeoutError('c', 10))).toMatchObject({ status: 504, shouldRetry: false, body: { error: { code: 'timeout' } } });
    expect(exceptionToHttp(new ClientClosedError('c'))).toMatchObject({ status: 503, shouldRetry: true });
    expect(exceptionToHttp(new InfrastructureError('down'))).toMatchObject({ status: 503, shouldRetry: true });
    expect(exceptionToHttp(new Error('boom'))).toMatchObject({ status: 500, body: { error: { type: 'server_error' } } });
  });
});
