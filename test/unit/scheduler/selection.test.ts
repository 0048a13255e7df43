import { describe, expect, it } from 'vitest';
import { AgentRequestSchema } from '../../../lib/contracts/request.js';
import { createRouter } from '../../../lib/routing/router.js';
import { buildJob } from '../../../lib/scheduler/job.js';
import type { Job } from '../../../lib/scheduler/job.js';
import { candidates, estimateTokens, nextFor, noRoomFor, slotLimit } from '../../../lib/scheduler/selection.js';
import type { SelectionContext } from '../../../lib/scheduler/selection.js';
import { snap } from '../routing/fixtures.js';
import { record, testConfig } from './fixtures.js';

const config = testConfig([{ id: 'x', endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation'], capacity: 1 }], {
  load_balancing: { strategy: 'least_loaded' },
});
const ctx: SelectionContext = { router: createRouter(config.load_balancing, { random: () => 0 }), config };
const NOW = 1_000_000;

function job(over: Record<string, unknown> = {}): Job {
  const r = record({ task_type: 'text_generation', ...over });
  const raw = JSON.parse(r.value.toString()) as Record<string, unknown>;
  return buildJob({ ...r, timestamp: NOW }, AgentRequestSchema.parse(raw), raw, 60_000);
}

describe('Module: selection', () => {
  it('gives each priority its share of a model, never less than one slot', () => {
    const m = snap('m', { capacity: 10 });
    expect([slotLimit(ctx, m, 'high'), slotLimit(ctx, m, 'medium'), slotLimit(ctx, m, 'low')]).toEqual([10, 9, 7]);
    expect(slotLimit(ctx, snap('one', { capacity: 1 }), 'low')).toBe(1);
  });

  it('sees no room on a model that is full for the priority, cooling down, or held for a higher one', () => {
    expect(noRoomFor(ctx, snap('m', { capacity: 4 }, { inFlight: 3 }), 'low', NOW)).toBe(true);
    expect(noRoomFor(ctx, snap('m', { capacity: 4 }, { inFlight: 3 }), 'high', NOW)).toBe(false);
    expect(noRoomFor(ctx, snap('m', {}, { cooldownUntil: NOW + 1 }), 'high', NOW)).toBe(true);
    expect(noRoomFor(ctx, snap('m', {}, { demandUntil: { high: NOW + 100 } }), 'medium', NOW)).toBe(true);
    expect(noRoomFor(ctx, snap('m', {}, { demandUntil: { high: NOW + 100 } }), 'high', NOW)).toBe(false);
  });

  it('tries the models that already failed a job last', () => {
    const j = job();
    j.failedModels.add('a');
    const order = candidates(ctx, j, [snap('a'), snap('b', {}, { inFlight: 9 })], NOW);
    expect(order.map((m) => m.spec.id)).toEqual(['b', 'a']);
  });

  it('gives a freed slot to the first due job that can use the model and would pick it', () => {
    const busy = snap('busy', { capacity: 2 }, { inFlight: 2 });
    const idle = snap('idle', { capacity: 2 });
    const fleet = [busy, idle];
    const backingOff = Object.assign(job({ priority: 'high' }), { notBefore: NOW + 1 });
    const pinned = job({ priority: 'high', model_id: 'idle' });
    const free = job({ priority: 'medium' });
    // `free` would rather take the idle model: only a job with no better choice takes busy's slot.
    expect(nextFor(ctx, busy, [backingOff, pinned, free], fleet, NOW)).toBeUndefined();
    const full = [busy, snap('idle', { capacity: 2 }, { inFlight: 2 })];
    expect(nextFor(ctx, busy, [backingOff, pinned, free], full, NOW)).toEqual({ job: free, priority: 'medium' });
    expect(nextFor(ctx, busy, [free], full, NOW, free)).toBeUndefined();
  });

  it('gives no slot to a job held back by a higher demand mark, or from a cooling model', () => {
    const marked = snap('m', { capacity: 2 }, { inFlight: 2, demandUntil: { high: NOW + 500 } });
    expect(nextFor(ctx, marked, [job({ priority: 'low' })], [marked], NOW)).toBeUndefined();
    const high = job({ priority: 'high' });
    expect(nextFor(ctx, marked, [job({ priority: 'low' }), high], [marked], NOW)?.job).toBe(high);
    const cooling = snap('c', {}, { cooldownUntil: NOW + 1 });
    expect(nextFor(ctx, cooling, [high], [cooling], NOW)).toBeUndefined();
  });

  it('estimates the tokens a request will use from token_count (or its length) plus max_tokens', () => {
    expect(estimateTokens(job({ token_count: 20, max_tokens: 100 }))).toBe(120);
    expect(estimateTokens(job({ token_count: 0, content: 'x'.repeat(40) }))).toBe(10 + 256);
  });
});
