import { AgentSchedError } from '../errors/index.js';

/** The consumer lag of a topic cannot be read (broker unreachable, topic missing). */
export class LagUnavailableError extends AgentSchedError {
  readonly topic: string;
  readonly groupId: string;

  constructor(topic: string, groupId: string, message: string, options: { cause?: unknown } = {}) {
    super('lag_unavailable', `lag of group ${groupId} on ${topic}: ${message}`, { retryable: true, ...options });
    this.topic = topic;
    this.groupId = groupId;
  }
}

/** Listing or updating event source mappings failed (Lambda API error, throttling, mapping busy). */
export class MappingControlError extends AgentSchedError {
  /** The AWS error name, e.g. `ResourceInUseException`, when the API gave one. */
  readonly awsError: string | undefined;

  constructor(message: string, options: { retryable?: boolean; awsError?: string; cause?: unknown } = {}) {
    super('mapping_control_failed', message, { retryable: options.retryable ?? false, cause: options.cause });
    this.awsError = options.awsError;
  }
}
