import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricDimensions, MetricName, MetricsRecorder } from '../metrics/recorder.js';

/** Outcome counts also recorded without model/priority, so alarms read one series each. */
export const TOTALS: ReadonlySet<MetricName> = new Set(['admitted', 'completed', 'failed', 'dead_lettered']);

/**
 * The scheduler's recorder (per model × priority EMF, lib/metrics/emf.ts), with the outcome
 * counts of {@link TOTALS} added to the function's Powertools metrics as well (dimension
 * `service` only; flushed with the invocation by the logMetrics middleware).
 */
export function withTotals(inner: MetricsRecorder, metrics: Metrics): MetricsRecorder {
  return {
    add(name: MetricName, dims: MetricDimensions, value = 1): void {
      inner.add(name, dims, value);
      if (TOTALS.has(name)) metrics.addMetric(name, MetricUnit.Count, value);
    },
    flush: () => inner.flush(),
  };
}
