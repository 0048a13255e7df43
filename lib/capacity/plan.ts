import type { ModelConfig } from '../config/schema.js';
import type { Priority } from '../contracts/request.js';
import { CapacityConfigError } from './errors.js';
import { shardLimits, splitEvenly } from './shares.js';
import type { PriorityShares } from './shares.js';

/**
 * Most leases one shard item may hold. A lease entry takes about 60 bytes (a 22-byte key, and a
 * map of expiry, priority, reserved tokens, rate window and nonce with one-letter names: DynamoDB
 * counts a number as about half its digits plus one byte, a name as its length). 5,000 leases are
 * ~300 KB, safely under the 400 KB item limit with the item's fixed attributes (< 1 KB). A model
 * whose capacity per shard would exceed this must use more shards.
 *
 * Note that write cost grows with the item long before this: a write consumes one WCU per KB of
 * the item, so a shard with L leases in flight costs about ceil((400 + 60 L) / 1024) WCU per
 * write (see README "Hot items" for the arithmetic).
 */
export const MAX_LEASES_PER_SHARD = 5_000;

/** Most slots granted by one write (`acquireMany`): bounded by the 4 KB expression limit. */
export const MAX_GRANTS_PER_WRITE = 50;

/** What admission needs to know about one shard of a model. */
export interface ShardPlan {
  shard: number;
  capacity: number;
  limits: Record<Priority, number>;
  rpm?: number;
  tpm?: number;
  /** Stored on the shard item; admission's write is conditional on it, so a stale spec is detected. */
  tag: string;
}

/** Tag of shards frozen while the shard count changes: no admission matches it. */
export const FROZEN_TAG = 'resharding';

export function shardTag(capacity: number, rpm: number | undefined, tpm: number | undefined): string {
  return `${capacity}/${rpm ?? '-'}/${tpm ?? '-'}`;
}

/** Throws `CapacityConfigError` when the table cannot hold the model as described. */
export function validateSharding(spec: ModelConfig): void {
  const { id, capacity, shards } = spec;
  if (shards > capacity) {
    throw new CapacityConfigError(id, `${shards} shards for capacity ${capacity}: every shard needs at least one slot`);
  }
  const perShard = Math.ceil(capacity / shards);
  if (perShard > MAX_LEASES_PER_SHARD) {
    const needed = Math.ceil(capacity / MAX_LEASES_PER_SHARD);
    throw new CapacityConfigError(
      id,
      `capacity ${capacity} in ${shards} shard(s) puts ${perShard} leases in one item, more than ${MAX_LEASES_PER_SHARD} ` +
        `(the 400 KB item limit); use shards >= ${needed}`,
    );
  }
  for (const [name, limit] of [['rpm', spec.rpm], ['tpm', spec.tpm]] as const) {
    if (limit !== undefined && limit < shards) {
      throw new CapacityConfigError(id, `${name} ${limit} is split over ${shards} shards: it must be at least the shard count`);
    }
  }
}

/**
 * The model's shards with their capacity, per-priority slot limits and rate limits. Capacity and
 * the rpm / tpm limits are split evenly over the shards (remainder to the first shards), so each
 * admission is one write to one item and the sums over shards are exactly the model's limits.
 */
export function planModel(spec: ModelConfig, shares: PriorityShares): ShardPlan[] {
  validateSharding(spec);
  const limits = shardLimits(spec.capacity, spec.shards, shares);
  const rpm = spec.rpm === undefined ? undefined : splitEvenly(spec.rpm, spec.shards);
  const tpm = spec.tpm === undefined ? undefined : splitEvenly(spec.tpm, spec.shards);
  return limits.map((l, shard) => {
    const plan: ShardPlan = { shard, capacity: l.capacity, limits: l.limits, tag: '' };
    if (rpm) plan.rpm = rpm[shard]!;
    if (tpm) plan.tpm = tpm[shard]!;
    plan.tag = shardTag(plan.capacity, plan.rpm, plan.tpm);
    return plan;
  });
}

/** FNV-1a: a cheap, stable hash that picks the first shard to try for a lease id. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Shards in the order admission tries them: starting at a shard chosen by the lease id (spreads
 * load; a retried acquire with the same id tries the same shards in the same order), then round.
 */
export function shardOrder(leaseId: string, shards: number): number[] {
  const start = hashString(leaseId) % shards;
  return Array.from({ length: shards }, (_, i) => (start + i) % shards);
}
