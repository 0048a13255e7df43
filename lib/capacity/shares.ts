import type { Priority } from '../contracts/request.js';

/** Fraction of a model's capacity each priority may fill (config `capacity.priority_shares`). */
export type PriorityShares = Record<Priority, number>;

/** Work-conserving: every priority may use every slot (the one global queue order protects high). */
export const DEFAULT_SHARES: PriorityShares = { high: 1, medium: 1, low: 1 };
/** Opt-in headroom (the defaults before the shared wait queue): capacity 10 leaves 1 slot for high only, 2 for medium + high. */
export const HEADROOM_SHARES: PriorityShares = { high: 1, medium: 0.9, low: 0.75 };

/**
 * Slots a priority may use on a model of `capacity` slots: `max(1, floor(capacity × share))`.
 *
 * The share is a ceiling that is never exceeded, so `floor`: with capacity 5, medium (90 %) may hold
 * 4 slots, not 5, which keeps one slot free for high priority. The one exception is `max(1, …)`: a
 * priority may always use one slot of an idle model, otherwise a model of capacity 1 (or 2 at low
 * share) would never serve low priority at all.
 *
 * | capacity | high | medium (0.9) | low (0.75) |
 * | -------- | ---- | ------------ | ---------- |
 * | 1        | 1    | 1            | 1          |
 * | 2        | 2    | 1            | 1          |
 * | 3        | 3    | 2            | 2          |
 * | 5        | 5    | 4            | 3          |
 * | 10       | 10   | 9            | 7          |
 */
export function priorityLimit(capacity: number, share: number): number {
  if (capacity <= 0) return 0;
  // The epsilon absorbs binary fractions (0.29 × 100 = 28.999…) without ever rounding a real .5 up.
  return Math.min(capacity, Math.max(1, Math.floor(capacity * share + 1e-9)));
}

/**
 * Splits `total` over `parts` as evenly as possible, the remainder going to the first parts:
 * split(10, 3) = [4, 3, 3]. The sum is always exactly `total`, and for a ≤ b every part of
 * split(a) is ≤ the same part of split(b), which keeps every shard's priority limits within the
 * shard's capacity.
 */
export function splitEvenly(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const rest = total - base * parts;
  return Array.from({ length: parts }, (_, i) => base + (i < rest ? 1 : 0));
}

/** Capacity and per-priority slot limits of one shard item. */
export interface ShardLimits {
  capacity: number;
  limits: Record<Priority, number>;
}

/**
 * Per-shard limits of a model whose capacity is split over `shards` items.
 *
 * The rounding rule is applied once, to the whole model, and the resulting model-level limit is
 * then split like the capacity. Rounding per shard instead would lose a slot per shard (capacity
 * 10 in 3 shards would let medium use 3 + 2 + 2 = 7 slots instead of 9). So the sum over shards of
 * a priority's limits is exactly `priorityLimit(capacity, share)`; a shard may get 0 slots for a
 * low priority (capacity 4 in 4 shards, low: 1 + 1 + 1 + 0), admission then tries the next shard.
 */
export function shardLimits(capacity: number, shards: number, shares: PriorityShares): ShardLimits[] {
  const caps = splitEvenly(capacity, shards);
  const perPriority = {
    high: splitEvenly(priorityLimit(capacity, shares.high), shards),
    medium: splitEvenly(priorityLimit(capacity, shares.medium), shards),
    low: splitEvenly(priorityLimit(capacity, shares.low), shards),
  };
  return caps.map((cap, i) => ({
    capacity: cap,
    limits: { high: perPriority.high[i]!, medium: perPriority.medium[i]!, low: perPriority.low[i]! },
  }));
}
