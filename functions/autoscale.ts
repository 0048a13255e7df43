import middy from '@middy/core';
import { createDynamoClient } from '../lib/capacity/dynamo-client.js';
import { createCapacityStore } from '../lib/capacity/index.js';
import { loadConfig } from '../lib/config/load.js';
import { withAdmin } from '../lib/kafka/admin.js';
import { createKafka } from '../lib/kafka/client.js';
import { createFunctionRuntime, functionKafkaOptions } from '../lib/lambda/runtime.js';
import { recordAutoscaleRun, recordLag } from '../lib/observability/gauges.js';
import { createObservability, observabilityMiddleware } from '../lib/observability/index.js';
import { autoscale } from '../lib/scaling/autoscaler.js';
import type { AutoscaleOutcome } from '../lib/scaling/autoscaler.js';
import { readAutoscaleEnv } from '../lib/scaling/env.js';
import { adminLag } from '../lib/scaling/lag.js';
import { createLambdaMappingControl } from '../lib/scaling/mappings.js';

const config = loadConfig();
const env = readAutoscaleEnv();
const rt = createFunctionRuntime(config, createObservability('autoscale'));
// The same TLS / SASL settings as the results producer (lib/lambda/runtime.ts).
const kafka = createKafka(config.kafka.bootstrap_servers, `${config.kafka.client_id}-autoscale`, await functionKafkaOptions(rt));
const store = createCapacityStore(config, { client: createDynamoClient(config.dynamodb) });
const mappings = createLambdaMappingControl();

/** Every minute: consumer lag + fleet load → the pollers of the schedule function's Kafka mappings. */
export const handler = middy(async (): Promise<AutoscaleOutcome[]> => {
  // One admin connection per run serves every topic's lag.
  const outcomes = await withAdmin(kafka, (admin) =>
    autoscale({
      mappings,
      functionName: env.functionName,
      lag: async (groupId, topic) => {
        const lag = await adminLag(admin, groupId, topic);
        recordLag(rt.obs.metrics, lag);
        return lag;
      },
      models: () => store.listModels(),
      config,
      onDemand: env.onDemand,
    }),
  );
  recordAutoscaleRun(rt.obs.metrics, outcomes);
  for (const o of outcomes) {
    if (o.error !== undefined) rt.obs.logger.warn('autoscale failed for a mapping', { ...o });
    else rt.obs.logger.info(o.applied !== undefined ? 'pollers changed' : 'pollers kept', { ...o });
  }
  return outcomes;
}).use(observabilityMiddleware(rt.obs));
