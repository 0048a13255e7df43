import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { loadConfig } from '../lib/config/load.js';
import { createEmfMetrics } from '../lib/metrics/emf.js';
import { dispatch } from '../lib/scheduler/dispatch.js';
import { createSchedulerDeps } from '../lib/scheduler/factory.js';
import { powertoolsLogger } from '../lib/scheduler/logger.js';
import { sweep } from '../lib/scheduler/sweep.js';
import type { SweepResult } from '../lib/scheduler/sweep.js';

const config = loadConfig();
const logger = powertoolsLogger(new Logger({ serviceName: 'agentsched-reaper' }));
const deps = createSchedulerDeps(config, { metrics: createEmfMetrics('reaper'), logger });

/**
 * Every minute (the dispatchers also sweep every few seconds while traffic flows): expired slot
 * leases back to the table, requests of dead calls back to the queue, stranded answers published;
 * then a dispatch, so work waiting on a model that cooled down starts even when nothing else runs.
 */
export const handler = middy(async (): Promise<SweepResult & { started: number }> => {
  const swept = await sweep(deps);
  const { started } = await dispatch(deps);
  logger.info('reaped', { ...swept, started });
  return { ...swept, started };
});
