import type { AgentResult } from '../contracts/result.js';
import { AgentSchedError } from '../errors/index.js';

/** No reply arrived within the request's timeout. A reply that comes later is dropped (and counted). */
export class RequestTimeoutError extends AgentSchedError {
  readonly correlationId: string;
  readonly timeoutMs: number;

  constructor(correlationId: string, timeoutMs: number) {
    super('request_timeout', `no reply to ${correlationId} within ${timeoutMs} ms`, { retryable: true });
    this.correlationId = correlationId;
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired before the reply arrived. */
export class RequestAbortedError extends AgentSchedError {
  readonly correlationId: string;

  constructor(correlationId: string, options: { cause?: unknown } = {}) {
    super('request_aborted', `request ${correlationId} was aborted`, { retryable: false, ...options });
    this.correlationId = correlationId;
  }
}

/** The client was closed (or is closing): pending requests reject with this, new ones are refused. */
export class ClientClosedError extends AgentSchedError {
  readonly correlationId: string | undefined;

  constructor(correlationId?: string) {
    super('client_closed', correlationId ? `client closed before the reply to ${correlationId}` : 'client is closed', {
      retryable: false,
    });
    this.correlationId = correlationId;
  }
}

/**
 * The scheduler answered `failed`. Only thrown by `requestOrThrow()` / `{ throwOnFailure: true }`:
 * by default `request()` resolves with the failed result. `code` is the result's error code.
 */
export class RequestFailedError extends AgentSchedError {
  readonly result: AgentResult;

  constructor(result: AgentResult) {
    const error = result.error;
    super(error?.code ?? 'internal', error?.message ?? `request ${result.correlation_id} failed`, {
      retryable: error?.retryable ?? false,
    });
    this.result = result;
  }
}

/** The client's reply topic does not match `kafka.reply_topic_pattern`: the scheduler would never answer on it. */
export class ReplyTopicNotAllowedError extends AgentSchedError {
  constructor(topic: string, pattern: string) {
    super('reply_topic_not_allowed', `reply topic ${topic} does not match kafka.reply_topic_pattern ${pattern}`);
  }
}
