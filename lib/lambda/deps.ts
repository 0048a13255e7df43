import { getSharedPublisher } from '../kafka/kafkajs-publisher.js';
import { ApiKeyResolver } from '../llm/api-key.js';
import { LlmClientPool } from '../llm/pool.js';
import { LambdaCallInvoker } from '../local/call-invoker.js';
import { createEmfMetrics } from '../metrics/emf.js';
import { withTotals } from '../observability/totals.js';
import type { SchedulerDeps } from '../scheduler/deps.js';
import { CALL_FUNCTION_ENV, createSchedulerDeps } from '../scheduler/factory.js';
import { pooledLlm } from '../scheduler/llm-adapter.js';
import { powertoolsLogger } from '../scheduler/logger.js';
import { apiKeySecretResolver } from '../secrets/store.js';
import { functionKafkaOptions } from './runtime.js';
import type { FunctionRuntime } from './runtime.js';

/**
 * The scheduler's dependencies in a function: {@link createSchedulerDeps} with the secured
 * producer, model API keys from Secrets Manager / SSM, Powertools logs and EMF metrics, and the
 * configured Lambda endpoint for the call doorbells.
 */
export async function createFunctionDeps(rt: FunctionRuntime, env: NodeJS.ProcessEnv = process.env): Promise<SchedulerDeps> {
  const { config } = rt;
  const client = await functionKafkaOptions(rt);
  const publisher = getSharedPublisher({ brokers: config.kafka.bootstrap_servers, clientId: config.kafka.client_id, client });
  const apiKeys = new ApiKeyResolver({ secrets: apiKeySecretResolver(rt.secrets), env });
  const llm = pooledLlm(new LlmClientPool({ models: config.models, maxConnections: config.connection_pool.max_connections, apiKeys }));
  const functionName = env[CALL_FUNCTION_ENV];
  const endpoint = config.aws.lambda_endpoint;
  return createSchedulerDeps(config, {
    metrics: withTotals(createEmfMetrics(rt.obs.name), rt.obs.metrics),
    logger: powertoolsLogger(rt.obs.logger),
    publisher,
    llm,
    ...(functionName && endpoint ? { calls: new LambdaCallInvoker({ functionName, endpoint, region: config.dynamodb.region }) } : {}),
  });
}
