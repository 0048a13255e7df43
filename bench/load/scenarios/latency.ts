// Latency scenarios: overhead (with the floor beside it), head-of-line blocking, priority.
import { runOnce } from '../run.js';
import { byPriority, e2e, overhead, pcts, round, rateIn, mean } from '../stats.js';
import { cdfChart } from '../svg.js';
import { arrivals, completed, cost, drain, FLEET_SLOTS, merge, outcomeOf, runCounts, violationsOf } from './common.js';
import type { Scenario } from './common.js';

const ratio = (a: number, b: number): number | null => (b > 0 ? round(a / b, 2) : null);

export const overheadScenario: Scenario = {
  name: 'overhead',
  summary: '200 ms calls, 25 req/s: e2e − llm_ms per priority, beside the floor (two Kafka hops, nothing else)',
  async run(ctx, o) {
    const seconds = o.seconds ?? 30;
    const rate = o.rate ?? 25;
    const plan = arrivals(rate, 0, seconds);
    const sched = await runOnce(ctx, { label: 'overhead', kind: 'scheduler', sim: { latencyMs: 200, jitter: 0 }, arrivals: plan, ...drain(o, 30) });
    const floor = await runOnce(ctx, { label: 'floor', kind: 'floor', arrivals: plan, ...drain(o, 30) });
    const done = completed(sched.records);
    const floorDone = completed(floor.records);
    const ov = pcts(done.map(overhead));
    const fl = pcts(floorDone.map(e2e));
    const c = runCounts(sched);
    return {
      config: sched.config,
      counts: c,
      violations: violationsOf(sched),
      figures: {
        offered_per_s: rate,
        seconds,
        latency_metric: 'overhead = e2e − llm_ms',
        overhead_ms: ov,
        floor_ms: fl,
        overhead_over_floor: { p50: ratio(ov.p50, fl.p50), p95: ratio(ov.p95, fl.p95), p99: ratio(ov.p99, fl.p99) },
        e2e_ms: pcts(done.map(e2e)),
        mean_llm_ms: round(mean(done.map((r) => r.llm_ms ?? 0))),
        by_priority: byPriority(sched.records, overhead),
        floor_by_priority: byPriority(floor.records, e2e),
        floor_counts: runCounts(floor),
        completions_per_s: round(rateIn(sched.records, sched.start, sched.sendEnd)),
        ...cost(sched, c.answered),
      },
      svg: cdfChart(
        [
          ...(['high', 'medium', 'low'] as const).map((p) => ({ name: `${p}: overhead`, values: done.filter((r) => r.priority === p).map(overhead) })),
          { name: 'floor: e2e', values: floorDone.map(e2e) },
        ],
        `overhead: e2e − llm_ms, 200 ms calls at ${rate} req/s`,
        'milliseconds (log scale)',
      ),
    };
  },
};

export const holScenario: Scenario = {
  name: 'hol',
  summary: 'as overhead, with 2 % of calls stalling 10 s: overhead of the requests that did not stall',
  async run(ctx, o) {
    const seconds = o.seconds ?? 30;
    const rate = o.rate ?? 25;
    const stallMs = 10_000;
    const run = await runOnce(ctx, {
      label: 'hol',
      kind: 'scheduler',
      sim: { latencyMs: 200, jitter: 0, stallRate: 0.02, stallMs },
      arrivals: arrivals(rate, 0, seconds),
      ...drain(o, 45),
    });
    const done = completed(run.records);
    const stalled = done.filter((r) => (r.llm_ms ?? 0) >= stallMs);
    const clean = done.filter((r) => (r.llm_ms ?? 0) < stallMs);
    const out = outcomeOf(run);
    return {
      ...out,
      figures: {
        offered_per_s: rate,
        seconds,
        stall: { rate: 0.02, ms: stallMs, stalled: stalled.length },
        latency_metric: 'overhead = e2e − llm_ms, requests that did not stall themselves',
        overhead_ms: pcts(clean.map(overhead)),
        overhead_all_ms: pcts(done.map(overhead)),
        by_priority: byPriority(clean, overhead),
        completions_per_s: round(rateIn(run.records, run.start, run.sendEnd)),
        ...cost(run, out.counts.answered),
      },
      svg: cdfChart(
        [
          ...(['high', 'medium', 'low'] as const).map((p) => ({ name: `${p} (not stalled)`, values: clean.filter((r) => r.priority === p).map(overhead) })),
          { name: 'stalled: overhead', values: stalled.map(overhead) },
        ],
        `hol: overhead with 2 % of calls stalling ${stallMs / 1000} s`,
        'overhead, milliseconds (log scale)',
      ),
    };
  },
};

export const priorityScenario: Scenario = {
  name: 'priority',
  summary: '1 s calls: high at 20 % of the fleet bound, then the same high plus low at 3× the bound',
  async run(ctx, o) {
    const seconds = o.seconds ?? 40;
    const bound = FLEET_SLOTS / 1; // 1 s calls
    const highRate = 0.2 * bound;
    const lowRate = o.rate ?? 3 * bound;
    const half = seconds / 2;
    const plan = merge(arrivals(highRate, 0, half, 0, [0]), arrivals(highRate, half, seconds, 1, [0]), arrivals(lowRate, half, seconds, 1, [2]));
    const run = await runOnce(ctx, { label: 'priority', kind: 'scheduler', sim: { latencyMs: 1000, jitter: 0.1 }, arrivals: plan, ...drain(o, 240) });
    const rs = run.records;
    const phase = (n: number, p: 'high' | 'low') => rs.filter((r) => r.phase === n && r.priority === p);
    const base = byPriority(phase(0, 'high'), e2e).high;
    const over = byPriority(phase(1, 'high'), e2e).high;
    const low = byPriority(phase(1, 'low'), e2e).low;
    const overStart = run.start + half * 1000;
    const inOverload = completed(rs).filter((r) => r.recv! >= overStart && r.recv! < run.sendEnd);
    const out = outcomeOf(run);
    return {
      ...out,
      figures: {
        seconds,
        fleet_bound_per_s: bound,
        offered_per_s: { baseline: { high: round(highRate) }, overload: { high: round(highRate), low: round(lowRate) } },
        latency_metric: 'e2e (send → answer)',
        phases: { baseline: { high: base }, overload: { high: over, low } },
        priority_ratio: { p50: ratio(over.p50_ms, base.p50_ms), p99: ratio(over.p99_ms, base.p99_ms) },
        high_completed_share: over.sent > 0 ? round(over.completed / over.sent, 3) : null,
        high_share_of_completions_in_overload: inOverload.length > 0 ? round(inOverload.filter((r) => r.priority === 'high').length / inOverload.length, 3) : null,
        low_completed_in_overload: inOverload.filter((r) => r.priority === 'low').length,
        low_starved: low.completed === 0,
        by_priority: byPriority(rs, e2e),
        completions_per_s: round(rateIn(rs, overStart, run.sendEnd)),
        ...cost(run, out.counts.answered),
      },
      svg: cdfChart(
        [
          { name: 'high, baseline', values: completed(phase(0, 'high')).map(e2e) },
          { name: 'high, with low 3×', values: completed(phase(1, 'high')).map(e2e) },
          { name: 'low, 3× overload', values: completed(phase(1, 'low')).map(e2e) },
        ],
        'priority: e2e latency, 1 s calls',
        'e2e, milliseconds (log scale)',
      ),
    };
  },
};
