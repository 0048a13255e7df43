// Rate scenarios: saturation (fleet utilization), throughput (the scheduler's own limit), recovery.
import { runOnce } from '../run.js';
import type { RunOutput } from '../run.js';
import { byPriority, e2e, lastRecv, mean, overhead, pcts, perSecond, rateIn, recoverySeconds, round } from '../stats.js';
import { timeChart } from '../svg.js';
import { arrivals, completed, cost, drain, FLEET_SLOTS, outcomeOf, runCounts, sumCounts, violationsOf } from './common.js';
import type { Scenario } from './common.js';

/** Answers/s between 25 % of the send phase and its end: warm-up and drain excluded. */
const steady = (run: RunOutput, seconds: number): number => rateIn(run.records, run.start + 0.25 * seconds * 1000, run.sendEnd);
const until = (run: RunOutput): number => lastRecv(run.records, run.sendEnd) + 1000;
/** Completions per second over a run, the end of its send phase marked. */
const completionsChart = (run: RunOutput, seconds: number, title: string): string =>
  timeChart([{ name: 'completions/s', perSecond: perSecond(run.records, run.start, until(run)) }], title, [{ x: seconds, label: 'send ends' }]);

export const saturationScenario: Scenario = {
  name: 'saturation',
  summary: '1 s calls with jitter, offered 1.5× the fleet bound: utilization, default shares and 1/1/1',
  async run(ctx, o) {
    const seconds = o.seconds ?? 60;
    const rate = o.rate ?? 1.5 * FLEET_SLOTS;
    const plan = arrivals(rate, 0, seconds);
    const sim = { latencyMs: 1000, jitter: 0.2 };
    const variants = [
      { name: 'default_shares', run: await runOnce(ctx, { label: 'saturation', kind: 'scheduler', sim, arrivals: plan, ...drain(o, 120) }) },
      {
        name: 'equal_shares',
        run: await runOnce(ctx, { label: 'saturation-eq', kind: 'scheduler', sim, shares: { high: 1, medium: 1, low: 1 }, arrivals: plan, ...drain(o, 120) }),
      },
    ];
    const figs = variants.map(({ name, run }) => {
      const meanLlm = mean(completed(run.records).map((r) => r.llm_ms ?? 0));
      const bound = meanLlm > 0 ? FLEET_SLOTS / (meanLlm / 1000) : 0;
      const cps = steady(run, seconds);
      const c = runCounts(run);
      return {
        name,
        counts: c,
        violations: violationsOf(run),
        figures: {
          completions_per_s: round(cps, 2),
          fleet_bound_per_s: round(bound, 2),
          mean_llm_ms: round(meanLlm),
          utilization: bound > 0 ? round(cps / bound, 3) : null,
          by_priority: byPriority(run.records, e2e),
          peak_concurrency: run.sim?.peak_concurrency ?? null,
          ...cost(run, c.answered),
        },
      };
    });
    const [def, eq] = figs as [(typeof figs)[0], (typeof figs)[0]];
    return {
      config: variants[0]!.run.config,
      counts: sumCounts(def.counts, eq.counts),
      violations: def.violations + eq.violations,
      figures: {
        seconds,
        offered_per_s: round(rate, 2),
        steady_window: 'answers between 25 % of the send phase and its end',
        utilization: def.figures.utilization,
        utilization_equal_shares: eq.figures.utilization,
        completions_per_s: def.figures.completions_per_s,
        by_priority: def.figures.by_priority,
        variants: Object.fromEntries(figs.map((f) => [f.name, { ...f.counts, violations: f.violations, ...f.figures }])),
      },
      svg: timeChart(
        variants.map(({ name, run }) => ({ name: name.replace('_', ' '), perSecond: perSecond(run.records, run.start, until(run)) })),
        `saturation: 1 s calls, offered ${round(rate, 1)}/s (bound ${FLEET_SLOTS}/s)`,
        [{ x: seconds, label: 'send ends' }],
      ),
    };
  },
};

export const throughputScenario: Scenario = {
  name: 'throughput',
  summary: 'instant model, offered far above what the scheduler sustains: completions/s, CPU and DynamoDB calls per request',
  async run(ctx, o) {
    const seconds = o.seconds ?? 20;
    const rate = o.rate ?? 300;
    const run = await runOnce(ctx, { label: 'throughput', kind: 'scheduler', sim: { latencyMs: 0, jitter: 0 }, arrivals: arrivals(rate, 0, seconds), ...drain(o, 300) });
    const out = outcomeOf(run);
    const cps = steady(run, seconds);
    const end = until(run);
    return {
      ...out,
      figures: {
        seconds,
        offered_per_s: rate,
        completions_per_s: round(cps, 1),
        offered_over_sustained: cps > 0 ? round(rate / cps, 2) : null,
        drain_s: round((lastRecv(run.records, run.sendEnd) - run.sendEnd) / 1000, 1),
        overall_per_s: round(out.counts.answered / ((end - 1000 - run.start) / 1000), 1),
        by_priority: byPriority(run.records, e2e),
        ...cost(run, out.counts.answered),
      },
      svg: completionsChart(run, seconds, `throughput: instant model, offered ${rate}/s`),
    };
  },
};

export const longScenario: Scenario = {
  name: 'long',
  summary: '10 s calls (±20 %) at 80 % of the fleet bound: DynamoDB calls and items written per request while calls run long (lease and claim renewals)',
  async run(ctx, o) {
    const seconds = o.seconds ?? 60;
    const callMs = 10_000;
    const rate = o.rate ?? (0.8 * FLEET_SLOTS) / (callMs / 1000);
    const run = await runOnce(ctx, { label: 'long', kind: 'scheduler', sim: { latencyMs: callMs, jitter: 0.2 }, arrivals: arrivals(rate, 0, seconds), ...drain(o, 90) });
    const out = outcomeOf(run);
    return {
      ...out,
      figures: {
        seconds,
        offered_per_s: round(rate, 2),
        mean_llm_ms: round(mean(completed(run.records).map((r) => r.llm_ms ?? 0))),
        overhead_ms: pcts(completed(run.records).map(overhead)),
        peak_concurrency: run.sim?.peak_concurrency ?? null,
        ...cost(run, out.counts.answered),
      },
      svg: completionsChart(run, seconds, `long: 10 s calls, offered ${round(rate, 2)}/s`),
    };
  },
};

export const recoveryScenario: Scenario = {
  name: 'recovery',
  summary: '200 ms calls at 25 req/s; SIGKILL the scheduler twice, restart after 2 s: lost, duplicates, leases, time to recover',
  async run(ctx, o) {
    const seconds = o.seconds ?? 30;
    const rate = o.rate ?? 25;
    const kills = [{ atS: seconds / 3, downS: 2 }, { atS: (2 * seconds) / 3, downS: 2 }];
    const run = await runOnce(ctx, { label: 'recovery', kind: 'scheduler', sim: { latencyMs: 200, jitter: 0 }, arrivals: arrivals(rate, 0, seconds), kills, ...drain(o, 90) });
    const out = outcomeOf(run);
    const end = until(run);
    const rel = (t: number): number => round((t - run.start) / 1000, 1);
    return {
      ...out,
      figures: {
        seconds,
        offered_per_s: rate,
        kills: run.kills.map((k) => ({ killed_at_s: rel(k.killedAt), restarted_at_s: rel(k.restartedAt), consuming_at_s: rel(k.readyAt) })),
        // Until the next kill: a restart killed again before it recovered reports null.
        recovery_s: run.kills.map((k, i) => recoverySeconds(run.records, k.restartedAt, run.kills[i + 1]?.killedAt ?? end, 0.9 * rate)),
        recovery_definition: 'seconds from a restart until a 1 s window holds ≥ 90 % of the offered rate in answers (null: killed again first)',
        consuming_after_restart_s: run.kills.map((k) => round((k.readyAt - k.restartedAt) / 1000, 1)),
        leases_left_after_reap: run.leases?.left ?? null,
        leases: run.leases,
        lease_ttl_ms_note: 'leases of a killed holder expire after capacity.lease_ttl_ms (default 10 s); the reaper frees only expired ones',
        overhead_ms: pcts(completed(run.records).map(overhead)),
        by_priority: byPriority(run.records, e2e),
        ...cost(run, out.counts.answered),
      },
      svg: timeChart(
        [
          { name: 'completions/s', perSecond: perSecond(run.records, run.start, end) },
          { name: 'offered/s', perSecond: perSecond(run.records.map((r) => ({ ...r, recv: r.sent })), run.start, end) },
        ],
        `recovery: SIGKILL at +${round(seconds / 3)} s and +${round((2 * seconds) / 3)} s, 2 s down`,
        run.kills.flatMap((k) => [
          { x: (k.killedAt - run.start) / 1000, label: 'kill' },
          { x: (k.restartedAt - run.start) / 1000, label: 'restart' },
        ]),
      ),
    };
  },
};
