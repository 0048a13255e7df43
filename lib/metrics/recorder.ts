/** Dimensions every scheduler metric carries (CloudWatch allows 29; we use two). */
export interface MetricDimensions {
  model: string;
  priority: string;
}

export type MetricName =
  | 'admitted'
  /** Requests registered in the wait queue. */
  | 'queued'
  /** Stored answers published again after their publisher died (flagged as a redelivery). */
  | 'redelivered'
  /** Requests of dead calls put back in the queue by the sweep. */
  | 'recovered'
  /** From the dispatcher's doorbell to the call function starting. */
  | 'call_start_delay_ms'
  /** Admissions that took over a finished call's slot in the same write (no release + acquire). */
  | 'handed_off'
  | 'deferred'
  | 'completed'
  | 'failed'
  | 'dead_lettered'
  | 'duplicates'
  | 'retried'
  | 'reply_topic_refused'
  /** Stream chunk records published to reply topics. */
  | 'stream_chunks'
  /** Streams stopped because a chunk could not be published (the result still goes out). */
  | 'stream_failed'
  | 'queue_wait_ms'
  | 'admission_wait_ms'
  | 'llm_latency_ms'
  | 'tokens_in'
  | 'tokens_out';

export const DURATION_METRICS: ReadonlySet<MetricName> = new Set(['queue_wait_ms', 'admission_wait_ms', 'llm_latency_ms', 'call_start_delay_ms']);

/** Where the scheduler records what it did. Values are aggregated per batch and flushed once. */
export interface MetricsRecorder {
  add(name: MetricName, dims: MetricDimensions, value?: number): void;
  /** Writes what was recorded since the last flush (EMF in Lambda). */
  flush(): void;
}

/** One aggregated series: all values of one metric for one dimension combination. */
export interface MetricSeries {
  name: MetricName;
  dims: MetricDimensions;
  values: number[];
}

/** Aggregates values per (metric, dimensions) until flushed to `sink`. */
export class AggregatingMetrics implements MetricsRecorder {
  private series = new Map<string, MetricSeries>();

  constructor(private readonly sink: (series: MetricSeries[]) => void) {}

  add(name: MetricName, dims: MetricDimensions, value = 1): void {
    const key = `${name}\u0000${dims.model}\u0000${dims.priority}`;
    const s = this.series.get(key);
    if (s) s.values.push(value);
    else this.series.set(key, { name, dims: { ...dims }, values: [value] });
  }

  flush(): void {
    if (this.series.size === 0) return;
    const all = [...this.series.values()];
    this.series = new Map();
    this.sink(all);
  }
}

/** Totals kept in memory (local runs print them; tests read them). */
export class InMemoryMetrics implements MetricsRecorder {
  readonly totals = new Map<string, number>();

  add(name: MetricName, dims: MetricDimensions, value = 1): void {
    for (const key of [name, `${name}{model=${dims.model}}`, `${name}{priority=${dims.priority}}`]) {
      this.totals.set(key, (this.totals.get(key) ?? 0) + value);
    }
  }

  total(name: MetricName, filter?: Partial<MetricDimensions>): number {
    if (filter?.model) return this.totals.get(`${name}{model=${filter.model}}`) ?? 0;
    if (filter?.priority) return this.totals.get(`${name}{priority=${filter.priority}}`) ?? 0;
    return this.totals.get(name) ?? 0;
  }

  flush(): void {}
}
