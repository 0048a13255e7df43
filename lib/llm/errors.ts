import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { AgentSchedError } from '../errors/index.js';
import { parseRetryAfter } from './retry-after.js';

/**
 * Why an LLM call failed, as the scheduler sees it:
 * - `rate_limited`: HTTP 429; release, cool the model down (for `retryAfterMs` when given), retry elsewhere.
 * - `server_error`: HTTP 5xx (or a malformed 2xx); retry elsewhere.
 * - `timeout`: the per-call timeout (or HTTP 408, or an abort) fired; retry elsewhere.
 * - `connection`: the endpoint could not be reached (refused, reset, DNS); retry elsewhere.
 * - `rejected`: any other 4xx (bad request, auth, unknown model): answer `failed` at once.
 */
export type LlmErrorKind = 'rate_limited' | 'server_error' | 'timeout' | 'connection' | 'rejected';

const RETRYABLE: Record<LlmErrorKind, boolean> = {
  rate_limited: true,
  server_error: true,
  timeout: true,
  connection: true,
  rejected: false,
};

/** Longest piece of an upstream error message we keep (bodies can be large HTML pages). */
const MAX_UPSTREAM_CHARS = 300;

/**
 * A failed LLM call. `code` is `llm_<kind>`. The message never holds an API key: upstream text is
 * redacted (bearer tokens, `sk-…` keys and every secret the caller names), and the SDK error, whose
 * message may quote the response body verbatim, is not kept as `cause`.
 */
export class LlmCallError extends AgentSchedError {
  readonly kind: LlmErrorKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: LlmErrorKind,
    message: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(`llm_${kind}`, message, { retryable: RETRYABLE[kind], cause: options.cause });
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** An API key reference that cannot be resolved (variable unset, secret missing). Not retryable. */
export class ApiKeyError extends AgentSchedError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('api_key_unavailable', message, { retryable: false, ...options });
  }
}

/** Options of {@link classifyError}. */
export interface ClassifyOptions {
  /** Values that must never appear in the message (the API key of the call). */
  secrets?: readonly string[];
  /** Clock for HTTP-date `Retry-After` values. */
  now?: () => number;
}

/** Removes bearer tokens, OpenAI-style keys and the given secrets from `text`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) {
    // Very short "keys" (such as 'EMPTY') would redact ordinary words; they are not secrets anyway.
    if (s.length >= 8) out = out.split(s).join('[redacted]');
  }
  return out
    .replace(/(bearer\s+)[^\s"',;]+/gi, '$1[redacted]')
    .replace(/\bsk-[A-Za-z0-9_*-]{6,}/g, 'sk-[redacted]');
}

function upstreamMessage(err: APIError<number>, secrets: readonly string[]): string {
  // The SDK keeps a JSON body's `error` object; a non-JSON body only survives in its message.
  const body: unknown = err.error;
  let text = '';
  if (body && typeof body === 'object') {
    const nested = (body as Record<string, unknown>)['message'];
    if (typeof nested === 'string') text = nested;
  } else if (typeof body === 'string') {
    text = body;
  }
  if (!text && !/status code \(no body\)$/.test(err.message)) {
    text = err.message.replace(/^\d{3} /, '');
  }
  text = redact(text, secrets).replace(/\s+/g, ' ').trim();
  return text.length > MAX_UPSTREAM_CHARS ? `${text.slice(0, MAX_UPSTREAM_CHARS)}…` : text;
}

function kindForStatus(status: number): LlmErrorKind {
  if (status === 429) return 'rate_limited';
  // 408 is the server saying the request took too long: the same as our own timeout.
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'rejected';
  return 'server_error';
}

/** An HTTP error response (the connection and abort subclasses have no status). */
function isStatusError(err: unknown): err is APIError<number> {
  return err instanceof APIError && typeof (err as { status?: unknown }).status === 'number';
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/**
 * Maps whatever an OpenAI SDK call threw to an {@link LlmCallError}:
 * HTTP status errors by status (429 → rate_limited with `retryAfterMs` from `retry-after-ms` /
 * `Retry-After`; 408 → timeout; other 4xx → rejected; 5xx → server_error), SDK timeouts and aborts
 * → timeout, connection failures → connection, an unparseable body → server_error. Anything else
 * (a bug, an unresolvable API key reference) is `rejected`: retrying it on another model would not
 * help; an {@link ApiKeyError} travels as `cause`.
 */
export function classifyError(err: unknown, options: ClassifyOptions = {}): LlmCallError {
  if (err instanceof LlmCallError) return err;
  const secrets = options.secrets ?? [];
  // Order matters: the timeout and abort classes extend APIError with status undefined.
  if (err instanceof APIConnectionTimeoutError) return new LlmCallError('timeout', 'LLM call timed out');
  if (err instanceof APIUserAbortError || isAbort(err)) return new LlmCallError('timeout', 'LLM call aborted');
  if (err instanceof APIConnectionError) {
    const reason = err.cause instanceof Error ? `: ${redact(err.cause.message, secrets)}` : '';
    return new LlmCallError('connection', `LLM endpoint unreachable${reason}`, { cause: err.cause });
  }
  if (isStatusError(err)) {
    const status = err.status;
    const kind = kindForStatus(status);
    const detail = upstreamMessage(err, secrets);
    const headers = err.headers;
    const retryAfterMs = headers ? parseRetryAfter(headers, options.now?.()) : undefined;
    const message = `LLM endpoint answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
    return new LlmCallError(kind, message, { status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  // A 2xx whose JSON body does not parse is the server's fault, like a 5xx.
  if (err instanceof SyntaxError) return new LlmCallError('server_error', 'LLM endpoint sent a malformed response');
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  // Our own errors (e.g. ApiKeyError) never hold a key value, so they may travel as the cause.
  const cause = err instanceof AgentSchedError ? err : undefined;
  return new LlmCallError('rejected', `LLM call failed: ${redact(text, secrets)}`, { cause });
}
