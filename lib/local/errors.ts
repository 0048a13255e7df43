import { AgentSchedError, toError } from '../errors/index.js';

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

/** A subscription's kafkajs consumer crashed; `what` says what happens next (kafkajs restarts it, or it is replaced). */
export class ConsumerCrashedError extends AgentSchedError {
  readonly groupId: string;

  constructor(groupId: string, what: string, options: { cause: Error }) {
    super('consumer_crashed', `consumer group ${groupId}: crashed (${what}): ${options.cause.message}`, { retryable: true, cause: options.cause });
    this.groupId = groupId;
  }
}

/** A seek or resume found its consumer's group gone (crashed); the next group starts unpaused, from the last commit. */
export class PartitionControlError extends AgentSchedError {
  constructor(op: 'seek' | 'resume', partition: string, options: { cause: unknown }) {
    super('partition_control_skipped', `${op} ${partition} skipped: ${toError(options.cause).message}`, { retryable: true, cause: options.cause });
  }
}
