import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { createDynamoClient } from '../lib/capacity/dynamo-client.js';
import { createCapacityStore } from '../lib/capacity/index.js';
import type { ReapResult } from '../lib/capacity/types.js';
import { loadConfig } from '../lib/config/load.js';

const config = loadConfig();
const logger = new Logger({ serviceName: 'agentsched-reaper' });
const store = createCapacityStore(config, { client: createDynamoClient(config.dynamodb) });

/** Every minute: reclaims slots whose holder died (expired leases), each exactly once. */
export const handler = middy(async (): Promise<ReapResult> => {
  const result = await store.reap();
  logger.info('reaped', { ...result });
  return result;
});
