import type { Config } from '../config/schema.js';
import { DEFAULT_COOLDOWN } from './rules.js';
import type { CooldownPolicy } from './rules.js';
import { DEFAULT_SHARES } from './shares.js';
import type { PriorityShares } from './shares.js';

/** Behaviour shared by every `CapacityStore` implementation. */
export interface CapacityStoreOptions {
  /** Fraction of capacity each priority may fill (default 1 / 1 / 1: work-conserving; `HEADROOM_SHARES` keeps headroom for high). */
  priorityShares?: PriorityShares;
  /** Lease lifetime when `AcquireInput.ttlMs` is not given (default 10 s). */
  leaseTtlMs?: number;
  cooldown?: CooldownPolicy;
  /** Epoch ms; injected so tests control expiry, windows and cooldown. */
  clock?: () => number;
  /** How long a model's description is cached by admission (default 5 s; a stale one is detected anyway). */
  specCacheMs?: number;
  /** Source of lease nonces, uniform in [0, 1). */
  random?: () => number;
}

export type ResolvedOptions = Required<CapacityStoreOptions>;

export function resolveOptions(o: CapacityStoreOptions = {}): ResolvedOptions {
  return {
    priorityShares: o.priorityShares ?? DEFAULT_SHARES,
    leaseTtlMs: o.leaseTtlMs ?? 10_000,
    cooldown: o.cooldown ?? DEFAULT_COOLDOWN,
    clock: o.clock ?? Date.now,
    specCacheMs: o.specCacheMs ?? 5_000,
    random: o.random ?? Math.random,
  };
}

/** The store options a configuration file describes (`capacity.*`). */
export function optionsFromConfig(config: Config): CapacityStoreOptions {
  return {
    priorityShares: config.capacity.priority_shares,
    leaseTtlMs: config.capacity.lease_ttl_ms,
    cooldown: config.capacity.cooldown,
  };
}
