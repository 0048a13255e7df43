// Smoke test of the load bench (bench/load): every scenario for a couple of seconds at small
// rates, results in a temp dir. Asserts the harness works, never timings.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { run } from '../../../bench/load/main.js';

const out = mkdtempSync(join(tmpdir(), 'load-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const Common = z.object({
  scenario: z.string(),
  machine: z.object({ cores: z.number().int().positive(), node: z.string() }).loose(),
  config: z.record(z.string(), z.unknown()),
  sent: z.number().int().positive(),
  answered: z.number().int(),
  lost: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  violations: z.literal(0),
});
const P = z.object({ p50: z.number(), p95: z.number(), p99: z.number() });
const Prio = z.object({ p50_ms: z.number(), p99_ms: z.number(), completed: z.number(), sent: z.number() });
const ByPriority = z.object({ high: Prio, medium: Prio, low: Prio });
const Cost = z.object({
  cpu_ms_per_request: z.number().positive(),
  table_calls_per_request: z.object({ total: z.number().positive(), writes: z.number(), by_command: z.record(z.string(), z.number()) }),
});

const CASES: { name: string; args: string[]; kills: boolean; figures: z.ZodType }[] = [
  { name: 'overhead', args: ['--seconds', '2', '--rate', '10'], kills: false, figures: z.object({ overhead_ms: P, floor_ms: P, by_priority: ByPriority }).and(Cost) },
  { name: 'hol', args: ['--seconds', '2', '--rate', '10'], kills: false, figures: z.object({ overhead_ms: P, by_priority: ByPriority }) },
  {
    name: 'saturation',
    args: ['--seconds', '2', '--rate', '10'],
    kills: false,
    figures: z.object({ utilization: z.number().positive(), utilization_equal_shares: z.number().positive(), completions_per_s: z.number() }),
  },
  {
    name: 'priority',
    args: ['--seconds', '3', '--rate', '10'],
    kills: false,
    figures: z.object({ priority_ratio: z.object({ p50: z.number().nullable(), p99: z.number().nullable() }), by_priority: ByPriority, low_starved: z.boolean() }),
  },
  { name: 'throughput', args: ['--seconds', '2', '--rate', '50'], kills: false, figures: z.object({ completions_per_s: z.number().positive() }).and(Cost) },
  {
    name: 'recovery',
    args: ['--seconds', '3', '--rate', '10'],
    kills: true,
    figures: z.object({ recovery_s: z.array(z.number().nullable()).length(2), leases_left_after_reap: z.number().int().min(0) }),
  },
  {
    name: 'long',
    args: ['--seconds', '2', '--rate', '2'],
    kills: false,
    figures: z
      .object({ mean_llm_ms: z.number().positive(), table_calls_per_request: z.object({ items_written: z.number().positive() }) })
      .and(Cost),
  },
];

describe('load bench (smoke)', { timeout: 150_000 }, () => {
  for (const c of CASES) {
    it(`${c.name}: runs and writes JSON + SVG with the fields`, async () => {
      const printed = await run(['--scenario', c.name, ...c.args, '--out', out]);
      const file = join(out, `${c.name}.json`);
      const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
      expect(printed).toEqual(json);
      const r = Common.parse(json);
      c.figures.parse(json);
      expect(r.scenario).toBe(c.name);
      expect(r.answered).toBe(r.sent - r.lost);
      if (!c.kills) expect(r.lost).toBe(0);
      expect(readFileSync(join(out, `${c.name}.svg`), 'utf8')).toMatch(/^<svg /);
    });
  }

  it('bench:report turns the results into a README block', async () => {
    const { loadResults, markdown } = await import('../../../bench/load/report.js');
    const results = loadResults(out);
    expect(results.map((r) => r.scenario)).toEqual(CASES.map((c) => c.name));
    const md = markdown(results, out, out);
    expect(md).toContain('| scenario |');
    for (const c of CASES) expect(md).toContain(`./${c.name}.svg`);
    expect(existsSync(join(out, 'overhead.svg'))).toBe(true);
  });
});
