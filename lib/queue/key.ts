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

/** The default `scheduler.aging_ms`: a request competes one priority level higher per 30 s it waits. */
export const DEFAULT_AGING_MS = 30_000;

/** With aging off, levels lie this far apart in virtual time (~317 years): strict priority. */
const STRICT_LEVEL_MS = 10_000_000_000_000;

/**
 * A waiting request's virtual arrival: when it first reached a topic, plus `agingMs` per level below
 * high. Ordering by it is aging without writes: a request that has waited k × `agingMs` stands with
 * the requests k levels higher arriving now (a low one that waited 30 s with new mediums, 60 s with
 * new highs), and its place is fixed when it is registered. `agingMs` 0: strict priority, every
 * level's requests before the next level's (then deadline order).
 */
export function virtualTime(entry: Pick<QueueEntry, 'priority' | 'firstSeen'>, agingMs: number): number {
  const rank = rankOf(entry.priority);
  return agingMs > 0 ? entry.firstSeen + rank * agingMs : rank * STRICT_LEVEL_MS;
}

/**
 * The priority level a waiting request competes as at `now` under that order: its own, one level
 * up per `agingMs` waited (high at most). It picks the request's share of a model
 * (`capacity.priority_shares`); the request keeps its own priority.
 */
export function competingRank(entry: Pick<QueueEntry, 'priority' | 'firstSeen'>, now: number, agingMs: number): number {
  const rank = rankOf(entry.priority);
  if (agingMs <= 0) return rank;
  return Math.max(0, rank - Math.floor(Math.max(0, now - entry.firstSeen) / agingMs));
}

/**
 * A waiting request's place in the order, as a string that sorts like the order:
 * `<virtual time>#<deadline>#<firstSeen>#<hash>` (times zero-padded to 15 digits; the hash breaks
 * ties). See {@link virtualTime}.
 */
export function orderKey(entry: Pick<QueueEntry, 'priority' | 'deadline' | 'firstSeen'>, hash: string, agingMs: number): string {
  return `${pad15(virtualTime(entry, agingMs))}#${pad15(entry.deadline)}#${pad15(entry.firstSeen)}#${hash}`;
}

/** Sorts entries like {@link orderKey}: virtual time, deadline, first seen. */
export function compareOrder(a: Pick<QueueEntry, 'priority' | 'deadline' | 'firstSeen'>, b: Pick<QueueEntry, 'priority' | 'deadline' | 'firstSeen'>, agingMs: number): number {
  return virtualTime(a, agingMs) - virtualTime(b, agingMs) || a.deadline - b.deadline || a.firstSeen - b.firstSeen;
}
