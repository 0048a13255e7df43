import type { CallReport } from '../capacity/types.js';
import type { ErrorCode } from '../contracts/result.js';
import type { LlmCallError } from '../llm/errors.js';
import type { LlmAnswer } from './deps.js';

/** The result error code each kind of failed model call is answered with. */
export const FAILURE_CODE: Record<LlmCallError['kind'], ErrorCode> = {
  rate_limited: 'rate_limited',
  server_error: 'model_error',
  timeout: 'timeout',
  connection: 'model_error',
  rejected: 'model_rejected',
};

/** What the capacity table learns from a successful call (latency and real token usage). */
export function successReport(answer: LlmAnswer): CallReport {
  return { ok: true, latencyMs: answer.latencyMs, promptTokens: answer.usage.prompt_tokens, completionTokens: answer.usage.completion_tokens };
}

/**
 * What the capacity table learns from a failed call. A 4xx other than 429 is the request's fault,
 * not the model's: it does not count toward cooldown.
 */
export function failureReport(error: LlmCallError, latencyMs: number): CallReport {
  const failure = error.kind === 'rejected' ? undefined : error.kind;
  return {
    ok: false,
    latencyMs,
    promptTokens: 0,
    completionTokens: 0,
    ...(failure ? { failure } : {}),
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
  };
}

/** The `lastError` a job carries into a later attempt or re-publication. */
export function retryableCode(code: ErrorCode): 'model_error' | 'rate_limited' | 'timeout' {
  return code === 'rate_limited' || code === 'timeout' ? code : 'model_error';
}
