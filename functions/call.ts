import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../lib/config/load.js';
import { createEmfMetrics } from '../lib/metrics/emf.js';
import { createSchedulerDeps } from '../lib/scheduler/factory.js';
import { createCallHandler } from '../lib/scheduler/handler.js';
import { powertoolsLogger } from '../lib/scheduler/logger.js';

// Cold start: configuration is read and validated once; clients (Kafka producer, LLM connection
// pools, DynamoDB, Lambda for further doorbells) live in module scope and serve every warm invocation.
const config = loadConfig();
const logger = powertoolsLogger(new Logger({ serviceName: 'agentsched-call' }));
const deps = createSchedulerDeps(config, { metrics: createEmfMetrics('call'), logger });

/** Async-invoked by the dispatcher with leased slots and claimed requests: runs them, hands each slot on. */
export const handler = createCallHandler(deps);
