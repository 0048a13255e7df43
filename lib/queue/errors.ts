import { AgentSchedError } from '../errors/index.js';

/**
 * An entry whose stored form would not fit one queue item (DynamoDB's 400 KB item limit): the
 * request cannot be queued, so the caller answers it as invalid. Not retryable.
 */
export class QueueEntryTooLargeError extends AgentSchedError {
  constructor(readonly bytes: number, readonly limit: number) {
    super('invalid_request', `request too large to queue: ${bytes} bytes compressed, at most ${limit}`, { retryable: false });
  }
}
