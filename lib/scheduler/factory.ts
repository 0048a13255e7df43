import { randomUUID } from 'node:crypto';
import { createDynamoClient } from '../capacity/dynamo-client.js';
import { wireFor } from '../capacity/dynamo-wire.js';
import { createCapacityStore } from '../capacity/index.js';
import type { Config } from '../config/schema.js';
import { CoalescingPublisher } from '../kafka/coalescing-publisher.js';
import { getSharedPublisher } from '../kafka/kafkajs-publisher.js';
import { LlmClientPool } from '../llm/pool.js';
import { LambdaCallInvoker } from '../local/call-invoker.js';
import { InMemoryMetrics } from '../metrics/recorder.js';
import { DynamoWorkQueue } from '../queue/dynamo-queue.js';
import { createRouter } from '../routing/router.js';
import type { CallInvoker } from './call-event.js';
import type { SchedulerDeps } from './deps.js';
import { silentLogger, systemClock } from './deps.js';
import { pooledLlm } from './llm-adapter.js';
import { Outbox } from './outbox.js';
import { SnapshotCache } from './snapshots.js';
import { tableOpsCounter } from './table-ops.js';

/** The `call` function's name for async invokes (set by serverless.yml on the functions that dispatch). */
export const CALL_FUNCTION_ENV = 'AGENTSCHED_CALL_FUNCTION';

function defaultCallInvoker(config: Config): CallInvoker {
  const functionName = process.env[CALL_FUNCTION_ENV];
  if (!functionName) {
    return {
      mayDuplicate: true,
      invoke: () => Promise.reject(new Error(`${CALL_FUNCTION_ENV} is not set: no way to start calls (the local runner passes its own invoker)`)),
    };
  }
  return new LambdaCallInvoker({ functionName, region: config.dynamodb.region });
}

/**
 * Builds the scheduler's dependencies from configuration: the DynamoDB capacity table and wait
 * queue, the shared idempotent Kafka producer, the pooled LLM clients, the router, the invoker of
 * `functions/call`. Call once per container (Lambda module scope, or once per local process);
 * `overrides` swap any piece.
 */
export function createSchedulerDeps(config: Config, overrides: Partial<SchedulerDeps> = {}): SchedulerDeps {
  const dynamo = createDynamoClient(config.dynamodb);
  // Counts DynamoDB calls by command when asked (`overrides.tableOps`: the bench's `dev --stats-port`);
  // nobody else pays for it on the hot path.
  const tableOps = overrides.tableOps;
  if (tableOps) wireFor(dynamo).observe(tableOpsCounter(config, tableOps));
  const llm = overrides.llm ?? pooledLlm(new LlmClientPool({ models: config.models, maxConnections: config.connection_pool.max_connections }));
  const store = overrides.store ?? createCapacityStore(config, { client: dynamo });
  // One ordered path to Kafka for the container; produce requests gather what waits (see CoalescingPublisher).
  const publisher = new CoalescingPublisher(overrides.publisher ?? getSharedPublisher({ brokers: config.kafka.bootstrap_servers, clientId: config.kafka.client_id }));
  const metrics = overrides.metrics ?? new InMemoryMetrics();
  const logger = overrides.logger ?? silentLogger;
  return {
    config,
    store,
    queue: overrides.queue ?? new DynamoWorkQueue(dynamo, config.capacity.queue_table, { shards: config.scheduler.queue_shards, agingMs: config.scheduler.aging_ms }),
    calls: overrides.calls ?? defaultCallInvoker(config),
    snapshots: overrides.snapshots ?? new SnapshotCache(store),
    publisher,
    outbox: overrides.outbox ?? new Outbox(config, publisher, metrics, logger),
    // One keep-alive pool per endpoint, sized from every model on it; deps live as long as the container.
    llm,
    router: overrides.router ?? createRouter(config.load_balancing),
    metrics,
    logger,
    clock: overrides.clock ?? systemClock,
    random: overrides.random ?? Math.random,
    ownerId: overrides.ownerId ?? randomUUID(),
    ...(tableOps ? { tableOps } : {}),
    close: async () => {
      await llm.close?.();
      dynamo.destroy();
    },
  };
}
