import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { KafkaLogSink } from '../kafka/client.js';
import { METRICS_NAMESPACE } from '../metrics/emf.js';
import { correlationIdsOf } from './correlation.js';

export { correlationIdsOf } from './correlation.js';

/** One function's Powertools logger and metrics (module scope: one per container). */
export interface Observability {
  name: string;
  logger: Logger;
  metrics: Metrics;
}

/** The `service` dimension of the totals and gauges the alarms read: the same for every function. */
export const OBSERVED_SERVICE = 'agentsched';

export function createObservability(name: string): Observability {
  return {
    name,
    logger: new Logger({ serviceName: `agentsched-${name}` }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: OBSERVED_SERVICE }),
  };
}

/** Puts the invocation's correlation ids on every log line (cleared by injectLambdaContext's resetKeys). */
function correlationIds(logger: Logger): MiddlewareObj {
  return {
    before: (request) => {
      const ids = correlationIdsOf(request.event);
      if (ids.length > 0) logger.setCorrelationId(ids.length === 1 ? ids[0] : ids);
    },
  };
}

/**
 * The middy middleware of every function, in order: Lambda context (request id, cold start) on
 * every log line with keys reset per invocation; correlation ids; EMF metrics flushed at the end
 * of each invocation with a ColdStart metric. Events are never logged (they carry prompts).
 */
export function observabilityMiddleware(obs: Observability): MiddlewareObj[] {
  return [
    injectLambdaContext(obs.logger, { resetKeys: true }),
    correlationIds(obs.logger),
    logMetrics(obs.metrics, { captureColdStartMetric: true, throwOnEmptyMetrics: false }),
  ];
}

/** kafkajs lines through the Powertools logger (already reduced to identifiers by lib/kafka/client). */
export function kafkaLogSink(logger: Logger): KafkaLogSink {
  return ({ level, message, ...rest }) => logger[level](message, { source: 'kafkajs', ...rest });
}
