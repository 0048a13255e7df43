import type { Config } from '../config/schema.js';
import type { KafkaClientOptions } from '../kafka/client.js';
import { getSharedPublisher } from '../kafka/kafkajs-publisher.js';
import { kafkaSecurityOptions } from '../kafka/security.js';
import { ApiKeyResolver } from '../llm/api-key.js';
import { LlmClientPool } from '../llm/pool.js';
import { LambdaCallInvoker } from '../local/call-invoker.js';
import { createEmfMetrics } from '../metrics/emf.js';
import { kafkaLogSink } from '../observability/index.js';
import { withTotals } from '../observability/totals.js';
import type { Observability } from '../observability/index.js';
import type { SchedulerDeps } from '../scheduler/deps.js';
import { CALL_FUNCTION_ENV, createSchedulerDeps } from '../scheduler/factory.js';
import { pooledLlm } from '../scheduler/llm-adapter.js';
import { powertoolsLogger } from '../scheduler/logger.js';
import { apiKeySecretResolver, createAwsSecretStore } from '../secrets/store.js';
import type { SecretStore } from '../secrets/store.js';

/** What every function builds once per container from the configuration. */
export interface FunctionRuntime {
  config: Config;
  obs: Observability;
  secrets: SecretStore;
}

export function createFunctionRuntime(config: Config, obs: Observability, env: NodeJS.ProcessEnv = process.env): FunctionRuntime {
  const secrets = createAwsSecretStore({
    region: config.dynamodb.region,
    endpoint: config.aws.secrets_endpoint,
    maxAgeSeconds: config.aws.secrets_max_age_s,
    env,
  });
  return { config, obs, secrets };
}

/**
 * The options of every Kafka client a function creates (results producer, admin for lag): the
 * `kafka.security` of the configuration (secrets read now) and logs through Powertools.
 */
export async function functionKafkaOptions(rt: FunctionRuntime): Promise<KafkaClientOptions> {
  const security = await kafkaSecurityOptions(rt.config.kafka.security, { secrets: rt.secrets, region: rt.config.dynamodb.region });
  return { ...security, log: kafkaLogSink(rt.obs.logger) };
}

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
