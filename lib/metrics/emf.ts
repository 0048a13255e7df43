import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { AggregatingMetrics, DURATION_METRICS } from './recorder.js';
import type { MetricSeries } from './recorder.js';

export const METRICS_NAMESPACE = process.env['POWERTOOLS_METRICS_NAMESPACE'] ?? 'AgentSched';

/**
 * CloudWatch embedded metric format through Powertools: one EMF blob per (model, priority)
 * combination per batch, each metric carrying all its values (EMF value arrays).
 */
export function createEmfMetrics(serviceName = 'scheduler'): AggregatingMetrics {
  return new AggregatingMetrics((series: MetricSeries[]) => {
    const byDims = new Map<string, MetricSeries[]>();
    for (const s of series) {
      const key = `${s.dims.model}\u0000${s.dims.priority}`;
      byDims.set(key, [...(byDims.get(key) ?? []), s]);
    }
    for (const group of byDims.values()) {
      const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName, defaultDimensions: { ...group[0]!.dims } });
      for (const s of group) {
        const unit = DURATION_METRICS.has(s.name) ? MetricUnit.Milliseconds : MetricUnit.Count;
        // Durations keep every value (percentiles in CloudWatch); counts are summed.
        if (DURATION_METRICS.has(s.name)) for (const v of s.values) metrics.addMetric(s.name, unit, v);
        else metrics.addMetric(s.name, unit, s.values.reduce((a, b) => a + b, 0));
      }
      metrics.publishStoredMetrics();
    }
  });
}
