import type { Config } from '../config/schema.js';
import type { KafkaClientOptions } from '../kafka/client.js';
import { kafkaSecurityOptions } from '../kafka/security.js';
import { kafkaLogSink } from '../observability/index.js';
import type { Observability } from '../observability/index.js';
import { createAwsSecretStore } from '../secrets/store.js';
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
