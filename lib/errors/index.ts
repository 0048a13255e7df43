/**
 * Errors per concern. `code` is stable and decides what the scheduler does with a failure:
 * retry elsewhere (retryable), answer `failed` at once, or dead-letter the record.
 */
export class AgentSchedError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A request (or any wire value) that does not match its contract. `field` is the dotted path. */
export class InvalidRequestError extends AgentSchedError {
  readonly field: string;

  constructor(field: string, message: string, options: { cause?: unknown } = {}) {
    super('invalid_request', `${field}: ${message}`, { retryable: false, ...options });
    this.field = field;
  }
}

/** The configuration file or an environment override is invalid. Names the key path and the file. */
export class ConfigError extends AgentSchedError {
  readonly path: string;
  readonly file: string;

  constructor(file: string, path: string, message: string) {
    super('config_invalid', `${file}: ${path || '(root)'}: ${message}`);
    this.path = path;
    this.file = file;
  }
}

/** A backing service (Kafka, DynamoDB) is unreachable: the batch must be retried, not answered. */
export class InfrastructureError extends AgentSchedError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('infrastructure_unavailable', message, { retryable: true, ...options });
  }
}

/** Returns `err` when it is an Error, otherwise wraps it so callers can read `.message`. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
