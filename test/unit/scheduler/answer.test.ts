import { describe, expect, it } from 'vitest';
import { AgentRequestSchema } from '../../../lib/contracts/request.js';
import { completedResult } from '../../../lib/contracts/results.js';
import { Answerer, MARK_RETRY_MS } from '../../../lib/scheduler/answer.js';
import { buildEntry } from '../../../lib/scheduler/entry.js';
import { harness, model, record, testConfig } from './fixtures.js';

async function claimedItem(h: Awaited<ReturnType<typeof harness>>) {
  const r = record({ id: 'marked', priority: 'high' });
  const request = AgentRequestSchema.parse(JSON.parse(r.value.toString()));
  const entry = buildEntry(r, request, 60_000);
  await h.queue.enqueue([entry]);
  const claim = await h.queue.claim(entry.key, 'owner-1', 10_000, Date.now());
  if (claim.kind !== 'claimed') throw new Error('expected a claim');
  const result = completedResult(request, { modelId: 'a', content: 'hi', usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, queuedMs: 0, llmMs: 1, attempts: 1 });
  return { item: claim.item, request, result };
}

describe('Answerer: the published mark', () => {
  it('is written after the table was away for a moment: no second copy for the sweep to publish', async () => {
    const h = await harness(testConfig([model('a', 1)]));
    const slept: number[] = [];
    h.deps.clock = { now: () => Date.now(), sleep: (ms) => (slept.push(ms), Promise.resolve()) };
    const mark = h.queue.markPublished.bind(h.queue);
    let failures = 2;
    h.deps.queue.markPublished = (key, owner, now) => (failures-- > 0 ? Promise.reject(new Error('table away')) : mark(key, owner, now));
    const { item, request, result } = await claimedItem(h);
    const answers = new Answerer(h.deps, { background: true });
    expect(await answers.finish(item, 'owner-1', result, request)).toBe(true);
    await answers.settle();
    expect(slept).toEqual(MARK_RETRY_MS.slice(0, 2));
    expect((await h.queue.get(item.key))?.state).toBe('published');
    expect(h.results()).toHaveLength(1);
  });

  it('gives up within the publish grace, leaving the stored answer to the sweep', async () => {
    const h = await harness(testConfig([model('a', 1)]));
    const slept: number[] = [];
    h.deps.clock = { now: () => Date.now(), sleep: (ms) => (slept.push(ms), Promise.resolve()) };
    h.deps.queue.markPublished = () => Promise.reject(new Error('table away'));
    const { item, request, result } = await claimedItem(h);
    const answers = new Answerer(h.deps, { background: true });
    expect(await answers.finish(item, 'owner-1', result, request)).toBe(true);
    await answers.settle();
    expect(slept).toEqual([...MARK_RETRY_MS]);
    expect(slept.reduce((a, b) => a + b, 0)).toBeLessThan(15_000);
    expect((await h.queue.get(item.key))?.state).toBe('completed');
  });
});
