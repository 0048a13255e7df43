import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as Unit } from '@aws-lambda-powertools/metrics/types';
import type { ModelSnapshot } from '../capacity/types.js';
import { PRIORITIES } from '../contracts/request.js';
import type { WorkQueue } from '../queue/types.js';
import type { TopicLag } from '../scaling/lag.js';

/**
 * Gauges the dashboard and alarms read (README "Deploy to AWS"), sampled once a minute by the
 * reaper (queue, fleet) and the autoscaler (lag). Each is one EMF line with its own dimension.
 */
export const GAUGES = {
  waiting: 'waiting_requests',
  waitingAge: 'waiting_age_ms',
  utilization: 'fleet_utilization_pct',
  lag: 'consumer_lag',
} as const;

function gauge(metrics: Metrics, name: string, unit: Unit, dims: Record<string, string>, value: number): void {
  const single = metrics.singleMetric();
  single.addDimensions(dims);
  single.addMetric(name, unit, value);
}

/** Waiting requests and the wait of the head of the queue, per priority. */
export async function recordQueueGauges(metrics: Metrics, queue: WorkQueue, now: number): Promise<void> {
  const depth = await queue.depth();
  const heads = await queue.waiting({ now, limit: 1 });
  for (const priority of PRIORITIES) {
    gauge(metrics, GAUGES.waiting, MetricUnit.Count, { priority }, depth[priority]);
    const head = heads.find((h) => h.priority === priority);
    gauge(metrics, GAUGES.waitingAge, MetricUnit.Milliseconds, { priority }, head ? Math.max(0, now - head.firstSeen) : 0);
  }
}

/** Slots in use over capacity, per model and over the whole fleet, in percent. */
export function recordFleetGauges(metrics: Metrics, models: readonly ModelSnapshot[]): void {
  const used = models.reduce((n, m) => n + Math.min(m.state.inFlight, m.spec.capacity), 0);
  const capacity = models.reduce((n, m) => n + m.spec.capacity, 0);
  if (capacity > 0) metrics.addMetric(GAUGES.utilization, MetricUnit.Percent, (100 * used) / capacity);
  for (const m of models) {
    const pct = m.spec.capacity > 0 ? (100 * m.state.inFlight) / m.spec.capacity : 0;
    gauge(metrics, GAUGES.utilization, MetricUnit.Percent, { model: m.spec.id }, Math.min(100, pct));
  }
}

/** One autoscaler run: mappings whose pollers changed, and mappings it could not handle. */
export function recordAutoscaleRun(metrics: Metrics, outcomes: readonly { applied?: unknown; error?: unknown }[]): void {
  metrics.addMetric('autoscale_changed', MetricUnit.Count, outcomes.filter((o) => o.applied !== undefined).length);
  metrics.addMetric('autoscale_failed', MetricUnit.Count, outcomes.filter((o) => o.error !== undefined).length);
}

/** Consumer lag of one mapping's group on its topic. */
export function recordLag(metrics: Metrics, lag: TopicLag): void {
  gauge(metrics, GAUGES.lag, MetricUnit.Count, { topic: lag.topic }, lag.lag);
}
