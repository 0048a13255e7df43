import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { createDynamoClient } from '../lib/capacity/dynamo-client.js';
import { createCapacityStore } from '../lib/capacity/index.js';
import { loadConfig } from '../lib/config/load.js';
import { withAdmin } from '../lib/kafka/admin.js';
import { createKafka } from '../lib/kafka/client.js';
import { autoscale } from '../lib/scaling/autoscaler.js';
import type { AutoscaleOutcome } from '../lib/scaling/autoscaler.js';
import { readAutoscaleEnv } from '../lib/scaling/env.js';
import { adminLag } from '../lib/scaling/lag.js';
import { createLambdaMappingControl } from '../lib/scaling/mappings.js';

const config = loadConfig();
const env = readAutoscaleEnv();
const logger = new Logger({ serviceName: 'agentsched-autoscale' });
const kafka = createKafka(config.kafka.bootstrap_servers, `${config.kafka.client_id}-autoscale`);
const store = createCapacityStore(config, { client: createDynamoClient(config.dynamodb) });
const mappings = createLambdaMappingControl();

/** Every minute: consumer lag + fleet load → the pollers of the schedule function's Kafka mappings. */
export const handler = middy(async (): Promise<AutoscaleOutcome[]> => {
  // One admin connection per run serves every topic's lag.
  const outcomes = await withAdmin(kafka, (admin) =>
    autoscale({
      mappings,
      functionName: env.functionName,
      lag: (groupId, topic) => adminLag(admin, groupId, topic),
      models: () => store.listModels(),
      config,
      onDemand: env.onDemand,
    }),
  );
  for (const o of outcomes) {
    if (o.error !== undefined) logger.warn('autoscale failed for a mapping', { ...o });
    else logger.info(o.applied !== undefined ? 'pollers changed' : 'pollers kept', { ...o });
  }
  return outcomes;
});
