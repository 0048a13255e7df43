import { randomUUID } from 'node:crypto';
import { createDynamoClient } from '../capacity/dynamo-client.js';
import { createCapacityStore } from '../capacity/index.js';
import type { Config } from '../config/schema.js';
import { getSharedPublisher } from '../kafka/kafkajs-publisher.js';
import { LlmClientPool } from '../llm/pool.js';
import { InMemoryMetrics } from '../metrics/recorder.js';
import { createRouter } from '../routing/router.js';
import type { SchedulerDeps } from './deps.js';
import { silentLogger, systemClock } from './deps.js';
import { DynamoRequestLedger } from './dynamo-ledger.js';
import { pooledLlm } from './llm-adapter.js';
import { SnapshotCache } from './snapshots.js';

/**
 * Builds the scheduler's dependencies from configuration: the DynamoDB capacity table and request
 * ledger, the shared idempotent Kafka producer, the pooled LLM clients, the router. Call once per
 * container (Lambda module scope, or once per local process); `overrides` swap any piece.
 */
export function createSchedulerDeps(config: Config, overrides: Partial<SchedulerDeps> = {}): SchedulerDeps {
  const dynamo = createDynamoClient(config.dynamodb);
  const tableOps = new Map<string, number>();
  // Counts DynamoDB calls by command (benchmarks report operations per request).
  dynamo.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? 'unknown';
      tableOps.set(name, (tableOps.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'agentschedOpCounter' },
  );
  const llm = overrides.llm ?? pooledLlm(new LlmClientPool({ models: config.models, maxConnections: config.connection_pool.max_connections }));
  const store = overrides.store ?? createCapacityStore(config, { client: dynamo });
  return {
    config,
    store,
    snapshots: overrides.snapshots ?? new SnapshotCache(store),
    ledger: overrides.ledger ?? new DynamoRequestLedger(dynamo, config.capacity.requests_table),
    publisher: overrides.publisher ?? getSharedPublisher({ brokers: config.kafka.bootstrap_servers, clientId: config.kafka.client_id }),
    // One keep-alive pool per endpoint, sized from every model on it; deps live as long as the container.
    llm,
    router: overrides.router ?? createRouter(config.load_balancing),
    metrics: overrides.metrics ?? new InMemoryMetrics(),
    logger: overrides.logger ?? silentLogger,
    clock: overrides.clock ?? systemClock,
    random: overrides.random ?? Math.random,
    ownerId: overrides.ownerId ?? randomUUID(),
    tableOps,
    close: async () => {
      await llm.close?.();
      dynamo.destroy();
    },
  };
}
