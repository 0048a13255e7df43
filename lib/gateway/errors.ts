import { ClientClosedError, RequestAbortedError, RequestTimeoutError } from '../client/errors.js';
import type { ErrorCode, ResultError } from '../contracts/result.js';
import { AgentSchedError, InfrastructureError, InvalidRequestError, toError } from '../errors/index.js';

/** OpenAI's error body: `{ error: { message, type, code, param } }`. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

/** An HTTP answer other than 200, with an OpenAI-style body. */
export class GatewayHttpError extends AgentSchedError {
  readonly status: number;
  readonly body: OpenAiErrorBody;
  /** Sent as `x-should-retry` (the openai SDK obeys it). */
  readonly shouldRetry: boolean;
  /** Sent as `Retry-After` (seconds) on 429 and 503, which the openai SDK waits out before retrying. */
  readonly retryAfterS: number | undefined;

  constructor(status: number, type: string, code: string | null, message: string, opts: { param?: string | null; retryable?: boolean } = {}) {
    super(code ?? type, message, { retryable: opts.retryable ?? false });
    this.status = status;
    this.shouldRetry = opts.retryable ?? false;
    this.retryAfterS = RETRY_AFTER_S[status];
    this.body = { error: { message, type, code, param: opts.param ?? null } };
  }
}

/**
 * `Retry-After` of a 429 (a model's rate limit: its cooldown is about a second) and a 503 (no
 * capacity, or the gateway or broker unavailable: give it a few seconds).
 */
export const RETRY_AFTER_S: Readonly<Record<number, number>> = { 429: 1, 503: 5 };

interface Mapping {
  status: number;
  type: string;
  /** OpenAI's own code where one exists; otherwise ours is kept. */
  code?: string;
}

const SERVER = 'server_error';
const INVALID = 'invalid_request_error';

/** How each scheduler error code is answered over HTTP. */
export const RESULT_ERROR_STATUS: Record<ErrorCode, Mapping> = {
  invalid_request: { status: 400, type: INVALID },
  model_rejected: { status: 400, type: INVALID },
  no_capable_model: { status: 404, type: INVALID, code: 'model_not_found' },
  rate_limited: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  capacity_unavailable: { status: 503, type: SERVER },
  model_error: { status: 502, type: SERVER },
  timeout: { status: 504, type: SERVER },
  deadline_exceeded: { status: 504, type: SERVER },
  reply_topic_not_allowed: { status: 500, type: SERVER },
  internal: { status: 500, type: SERVER },
};

/** The HTTP error for a `failed` result. */
export function resultErrorToHttp(error: ResultError | undefined): GatewayHttpError {
  if (!error) return new GatewayHttpError(500, SERVER, 'internal', 'the scheduler answered failed without an error');
  const m = RESULT_ERROR_STATUS[error.code] ?? RESULT_ERROR_STATUS.internal;
  return new GatewayHttpError(m.status, m.type, m.code ?? error.code, error.message, {
    param: error.field ?? null,
    retryable: error.retryable,
  });
}

/** The HTTP error for an exception raised while asking the scheduler (never a `failed` result). */
export function exceptionToHttp(err: unknown): GatewayHttpError {
  if (err instanceof GatewayHttpError) return err;
  if (err instanceof InvalidRequestError) {
    return new GatewayHttpError(400, INVALID, 'invalid_request', err.message, { param: err.field === '$' ? null : err.field });
  }
  // Not retried by the SDK: the request may still be running, a retry would run it twice.
  if (err instanceof RequestTimeoutError) return new GatewayHttpError(504, SERVER, 'timeout', err.message);
  if (err instanceof RequestAbortedError) return new GatewayHttpError(499, INVALID, 'request_aborted', err.message);
  if (err instanceof ClientClosedError) return new GatewayHttpError(503, SERVER, 'service_unavailable', 'the gateway is shutting down', { retryable: true });
  if (err instanceof InfrastructureError) return new GatewayHttpError(503, SERVER, err.code, err.message, { retryable: true });
  return new GatewayHttpError(500, SERVER, 'internal', `internal error: ${toError(err).message}`);
}
