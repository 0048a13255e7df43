import { createHash } from 'node:crypto';
import { PRIORITIES } from '../contracts/request.js';
import type { Priority } from '../contracts/request.js';
import type { QueueEntry, RequestKey } from './types.js';

/** A request's item key: hex SHA-256 of `id` NUL `correlationId` (the same key the old ledger used). */
export function requestHash(key: RequestKey): string {
  return createHash('sha256').update(key.id).update('\u0000').update(key.correlationId).digest('hex');
}

/** The shard (partition) of a request: the first 32 bits of its hash, modulo `shards`. */
export function shardOf(hash: string, shards: number): number {
  return Number.parseInt(hash.slice(0, 8), 16) % shards;
}

/** Priority rank in the order: high 0, medium 1, low 2. */
export function rankOf(priority: Priority): number {
  return PRIORITIES.indexOf(priority);
}

const MAX_PADDED = 999_999_999_999_999;
const pad15 = (n: number): string => String(Math.min(MAX_PADDED, Math.max(0, Math.floor(n)))).padStart(15, '0');

/**
 * A waiting request's place in the order, as a string that sorts like the order:
 * `<rank>#<deadline>#<firstSeen>#<hash>` (times zero-padded to 15 digits; the hash breaks ties).
 */
export function orderKey(entry: Pick<QueueEntry, 'priority' | 'deadline' | 'firstSeen'>, hash: string): string {
  return `${rankOf(entry.priority)}#${pad15(entry.deadline)}#${pad15(entry.firstSeen)}#${hash}`;
}
