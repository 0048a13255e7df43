import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config/schema.js';
import { createDynamoClient } from './dynamo-client.js';
import { DynamoCapacityStore } from './dynamo-store.js';
import { optionsFromConfig } from './options.js';
import type { CapacityStoreOptions } from './options.js';

export * from './types.js';
export * from './errors.js';
export { DEFAULT_SHARES, priorityLimit, shardLimits, splitEvenly } from './shares.js';
export type { PriorityShares, ShardLimits } from './shares.js';
export { MAX_LEASES_PER_SHARD, MAX_GRANTS_PER_WRITE, planModel, validateSharding } from './plan.js';
export type { ShardPlan } from './plan.js';
export { DEFAULT_COOLDOWN, EWMA_ALPHA, RATE_WINDOW_MS, cooldownMs, rateWindow } from './rules.js';
export type { CooldownPolicy } from './rules.js';
export { optionsFromConfig, resolveOptions } from './options.js';
export type { CapacityStoreOptions } from './options.js';
export { createDynamoClient } from './dynamo-client.js';
export type { DynamoClientOptions } from './dynamo-client.js';
export { DynamoCapacityStore } from './dynamo-store.js';
export type { TableCounters } from './dynamo-io.js';
export { MemoryCapacityStore } from './memory-store.js';
export { ensureCapacityTable, deleteCapacityTable } from './table.js';
export { startEmbeddedDynamo } from './embedded.js';
export type { EmbeddedDynamo } from './embedded.js';

export interface CreateCapacityStoreOptions extends CapacityStoreOptions {
  /** A client to share (e.g. with the request ledger); built from `config.dynamodb` when absent. */
  client?: DynamoDBClient;
}

/**
 * The DynamoDB capacity store a configuration describes: `config.dynamodb` (endpoint, region) and
 * `config.capacity` (table, priority shares, lease TTL, cooldown). `opts` overrides the latter
 * (e.g. a test clock) and may pass the client.
 */
export function createCapacityStore(config: Config, opts: CreateCapacityStoreOptions = {}): DynamoCapacityStore {
  const { client, ...rest } = opts;
  const dynamo = client ?? createDynamoClient(config.dynamodb);
  return new DynamoCapacityStore(dynamo, config.capacity.table, { ...optionsFromConfig(config), ...rest });
}
