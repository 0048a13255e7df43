import middy from '@middy/core';
import { loadConfig } from '../lib/config/load.js';
import { createFunctionDeps } from '../lib/lambda/deps.js';
import { createFunctionRuntime } from '../lib/lambda/runtime.js';
import { recordFleetGauges, recordQueueGauges } from '../lib/observability/gauges.js';
import { createObservability, observabilityMiddleware } from '../lib/observability/index.js';
import { dispatch } from '../lib/scheduler/dispatch.js';
import { sweep } from '../lib/scheduler/sweep.js';
import type { SweepResult } from '../lib/scheduler/sweep.js';

const config = loadConfig();
const rt = createFunctionRuntime(config, createObservability('reaper'));
const deps = await createFunctionDeps(rt);

/**
 * Every minute (the dispatchers also sweep every few seconds while traffic flows): expired slot
 * leases back to the table, requests of dead calls back to the queue, stranded answers published;
 * then a dispatch, so work waiting on a model that cooled down starts even when nothing else runs.
 */
export const handler = middy(async (): Promise<SweepResult & { started: number }> => {
  const swept = await sweep(deps);
  const { started } = await dispatch(deps);
  // The minute's gauges for the dashboard and alarms: waiting requests and age, fleet utilization.
  await recordQueueGauges(rt.obs.metrics, deps.queue, deps.clock.now());
  recordFleetGauges(rt.obs.metrics, await deps.store.listModels());
  rt.obs.logger.info('reaped', { ...swept, started });
  return { ...swept, started };
}).use(observabilityMiddleware(rt.obs));
