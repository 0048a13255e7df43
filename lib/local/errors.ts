import { AgentSchedError } from '../errors/index.js';

/** The function ran and failed (threw, or Lambda reported a `FunctionError`): the batch is retried. */
export class InvocationError extends AgentSchedError {
  /** Lambda's `FunctionError` (`Unhandled`, `Handled`) or `InProcess`. */
  readonly functionError: string;
  readonly errorType: string | undefined;

  constructor(message: string, options: { functionError: string; errorType?: string; cause?: unknown }) {
    super('invocation_failed', message, { retryable: true, cause: options.cause });
    this.functionError = options.functionError;
    this.errorType = options.errorType;
  }
}

/** The function did not return within its timeout. */
export class InvocationTimeoutError extends AgentSchedError {
  constructor(functionName: string, timeoutMs: number) {
    super('invocation_timeout', `${functionName} did not return within ${timeoutMs} ms`, { retryable: true });
  }
}

/** A batch failed `maxAttempts` times and was skipped, as Lambda does after MaximumRetryAttempts. */
export class RetriesExhaustedError extends AgentSchedError {
  constructor(where: string, attempts: number, options: { cause?: unknown } = {}) {
    super('retries_exhausted', `${where}: batch skipped after ${attempts} failed attempts`, { retryable: false, ...options });
  }
}
