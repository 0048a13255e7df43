import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../lib/config/load.js';
import { createEmfMetrics } from '../lib/metrics/emf.js';
import { createSchedulerDeps } from '../lib/scheduler/factory.js';
import { createScheduleHandler } from '../lib/scheduler/handler.js';
import { powertoolsLogger } from '../lib/scheduler/logger.js';

// Cold start: configuration is read and validated once; clients (Kafka producer, LLM connection
// pools, DynamoDB) live in module scope and serve every warm invocation.
const config = loadConfig();
const logger = powertoolsLogger(new Logger({ serviceName: 'agentsched-schedule' }));
const deps = createSchedulerDeps(config, { metrics: createEmfMetrics('schedule'), logger });

/** Kafka event source mappings (one per priority topic) invoke this with batches of requests. */
export const handler = createScheduleHandler(deps);
