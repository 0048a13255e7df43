import { resolveSimModel } from './completion.js';
import type { ResolvedSimModel, SimCounters, SimFaults, SimModelOptions } from './types.js';

type EventCounter = 'requests' | 'completed' | 'violations' | 'failures_injected' | 'rate_limited_injected' | 'stalls_injected' | 'aborted';

function zeroCounters(): Record<EventCounter, number> {
  return { requests: 0, completed: 0, violations: 0, failures_injected: 0, rate_limited_injected: 0, stalls_injected: 0, aborted: 0 };
}

/** A level (requests in flight) and the highest it has been. */
export class Gauge {
  current = 0;
  peak = 0;

  inc(): number {
    this.current += 1;
    if (this.current > this.peak) this.peak = this.current;
    return this.current;
  }

  dec(): void {
    this.current = Math.max(0, this.current - 1);
  }

  /** Forget the history: the peak restarts from what is in flight now. */
  reset(): void {
    this.peak = this.current;
  }
}

/** Configuration and counters of one simulated model. */
export class SimModelState {
  config: ResolvedSimModel;
  readonly inFlight = new Gauge();
  private events = zeroCounters();

  constructor(options: SimModelOptions) {
    this.config = resolveSimModel(options);
  }

  count(event: EventCounter): void {
    this.events[event] += 1;
  }

  /**
   * A request arrives and is counted in flight. Returns false when that makes more requests in
   * flight than the capacity: a violation, counted here; the caller answers it 429 and then
   * calls `inFlight.dec()` like for any other answer.
   */
  admit(): boolean {
    this.count('requests');
    if (this.inFlight.inc() <= this.config.capacity) return true;
    this.count('violations');
    return false;
  }

  setFaults(faults: SimFaults): void {
    this.config = resolveSimModel({ ...this.config, ...faults });
  }

  reset(): void {
    this.events = zeroCounters();
    this.inFlight.reset();
  }

  snapshot(): SimCounters {
    return { ...this.events, peak_concurrency: this.inFlight.peak, capacity: this.config.capacity, in_flight: this.inFlight.current };
  }
}

/** Sum of the models' counters; peak and in-flight come from the server-wide gauge. */
export function totals(models: readonly SimModelState[], total: Gauge): SimCounters {
  const sum = (pick: (c: SimCounters) => number): number => models.reduce((n, m) => n + pick(m.snapshot()), 0);
  return {
    requests: sum((c) => c.requests),
    completed: sum((c) => c.completed),
    peak_concurrency: total.peak,
    capacity: sum((c) => c.capacity),
    violations: sum((c) => c.violations),
    in_flight: total.current,
    failures_injected: sum((c) => c.failures_injected),
    rate_limited_injected: sum((c) => c.rate_limited_injected),
    stalls_injected: sum((c) => c.stalls_injected),
    aborted: sum((c) => c.aborted),
  };
}

/** Keeps only the fault fields of an untrusted object (POST /faults). */
export function pickFaults(body: Record<string, unknown>): SimFaults {
  const out: SimFaults = {};
  for (const key of ['failRate', 'rateLimitRate', 'retryAfterS', 'stallRate', 'stallMs'] as const) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${key} must be a number`);
    out[key] = v;
  }
  return out;
}
