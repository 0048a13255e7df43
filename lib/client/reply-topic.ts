import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { ReplyTopicNotAllowedError } from './errors.js';

/**
 * `agent.<clientId>.<suffix>` (unsafe characters of the client id become `-`): matches the
 * default `kafka.reply_topic_pattern`. A fixed suffix gives a process a stable topic it reuses
 * across restarts (e.g. `agent.agentsched.cli`) instead of leaving one topic behind per run.
 */
export function namedReplyTopic(clientId: string, suffix: string): string {
  const safe = clientId.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 100) || 'client';
  return `agent.${safe}.${suffix}`;
}

/** `agent.<clientId>.<8 hex>`: a new topic for each client instance. */
export function defaultReplyTopic(clientId: string): string {
  return namedReplyTopic(clientId, randomUUID().slice(0, 8));
}

/**
 * Throws {@link ReplyTopicNotAllowedError} unless the scheduler would answer on `topic`: it must
 * match `kafka.reply_topic_pattern` and not be one of the scheduler's own topics.
 */
export function checkReplyTopic(topic: string, config: Pick<Config, 'kafka'>): void {
  const pattern = config.kafka.reply_topic_pattern;
  const reserved = Object.values(config.kafka.topics);
  if (!new RegExp(pattern).test(topic) || reserved.includes(topic)) throw new ReplyTopicNotAllowedError(topic, pattern);
}
