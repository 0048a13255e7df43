// The TypeScript client's options and statistics (lib/client/client.ts).
import type { Config } from '../config/schema.js';
import type { PublishBatcherOptions } from './batcher.js';
import type { Timers } from './pending.js';
import type { ClientTransport } from './transport.js';

/** Why a reply was dropped instead of resolving a request. */
export interface DroppedReply {
  reason: 'late' | 'duplicate' | 'unknown' | 'invalid';
  correlationId?: string;
  detail?: string;
}

export interface AgentSchedClientOptions {
  /** `kafka.topics` (where requests go) and `kafka.reply_topic_pattern` (what reply topics may be). */
  config: Pick<Config, 'kafka'>;
  /** Default: {@link KafkaClientTransport} on `config.kafka`, owned (and closed) by the client. */
  transport?: ClientTransport;
  /** Names the default reply topic `agent.<clientId>.<8 hex>`. Default `config.kafka.client_id`. */
  clientId?: string;
  /** The full reply topic name (must match `kafka.reply_topic_pattern`). Default: a new unique one. */
  replyTopic?: string;
  /** Timeout of `request()` when the call gives none. Default 120,000 ms. */
  defaultTimeoutMs?: number;
  /**
   * Delete the reply topic on close, if this client created it. Default false: a long-lived
   * kafkajs producer that has written to a deleted topic either re-creates it (broker
   * auto-creation on) or fails every later send until restarted (auto-creation off; kafkajs
   * #1622) — and the scheduler's producer writes to every reply topic. Only turn it on when no
   * such producer can still hold the topic (tests, one-off tools).
   */
  deleteReplyTopicOnClose?: boolean;
  /** Every reply that resolved nothing (late, duplicate, unknown, invalid); they are counted either way. */
  onDroppedReply?: (dropped: DroppedReply) => void;
  batching?: PublishBatcherOptions;
  timers?: Timers;
  newId?: () => string;
}

export interface RequestOptions {
  /** Reject with RequestTimeoutError after this long (default: the client's `defaultTimeoutMs`). Also sent as the request's `timeout_ms` unless it has one. */
  timeoutMs?: number;
  /** Reject with RequestAbortedError when it fires; a reply arriving later is dropped. */
  signal?: AbortSignal;
  /** Reject with RequestFailedError when the scheduler answers `failed` (default false: resolve with it). */
  throwOnFailure?: boolean;
}

export interface SubmitOptions {
  /** Ask for the answer on this topic too (it always goes to the results topic). Default: none. */
  replyTopic?: string;
}

export interface ClientStats {
  replyTopic: string;
  inFlight: number;
  /** Requests (and submits) acknowledged by the broker. */
  sent: number;
  publishFailures: number;
  completed: number;
  failed: number;
  timedOut: number;
  aborted: number;
  /** Pending requests rejected by close(). */
  closedPending: number;
  lateReplies: number;
  duplicateReplies: number;
  unknownReplies: number;
  invalidReplies: number;
}
