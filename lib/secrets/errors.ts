import { AgentSchedError } from '../errors/index.js';

/** A secret or parameter could not be read. Names the reference, never a value. */
export class SecretUnavailableError extends AgentSchedError {
  readonly ref: string;

  constructor(ref: string, message: string, options: { cause?: unknown } = {}) {
    super('secret_unavailable', `${ref}: ${message}`, { retryable: true, ...options });
    this.ref = ref;
  }
}
