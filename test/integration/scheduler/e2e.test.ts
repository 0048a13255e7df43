import { afterEach, describe, expect, it } from 'vitest';
import { AgentSide, e2eConfig, originalRequest, startE2eStack } from '../support/stack.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(extra: Record<string, unknown> = {}, stackOpts: Parameters<typeof startE2eStack>[1] = {}) {
  const config = e2eConfig(extra);
  const { stack, cleanup } = await startE2eStack(config, stackOpts);
  cleanups.push(cleanup);
  const agents = new AgentSide(stack.config);
  await agents.start();
  cleanups.push(() => agents.stop());
  return { config: stack.config, stack, agents };
}

describe('Schedule function end to end (real Kafka, DynamoDB Local, simulated fleet)', () => {
  it('answers requests produced exactly as the original Python agents produce them, once each', async () => {
    const { agents } = await setup();
    const requests = (['high', 'medium', 'low'] as const).flatMap((p) => [originalRequest(p), originalRequest(p, 'data_processing')]);
    await agents.send(requests);
    const ids = requests.map((r) => String(r['correlation_id']));
    await agents.waitFor(ids);
    await new Promise((r) => setTimeout(r, 500)); // a second answer would arrive by now
    for (const r of requests) {
      const answers = agents.results.get(String(r['correlation_id']))!;
      expect(answers).toHaveLength(1);
      expect(answers[0]).toMatchObject({
        id: r['id'],
        task_type: r['task_type'],
        priority: r['priority'],
        correlation_id: r['correlation_id'],
        status: 'completed',
      });
      expect(typeof answers[0]!.model_id).toBe('string');
      expect(answers[0]!.content.length).toBeGreaterThan(0);
      expect(answers[0]!.token_count).toBeGreaterThan(0);
    }
  });

  it('answers 300 requests over the demo fleet (capacities 5, 3, 10) with zero capacity violations', async () => {
    const { stack, agents } = await setup();
    const tasks = ['text_generation', 'data_processing', 'image_analysis'];
    const requests = Array.from({ length: 300 }, (_, i) => originalRequest((['high', 'medium', 'low'] as const)[i % 3]!, tasks[i % 7 === 0 ? 2 : i % 2]));
    await agents.send(requests);
    await agents.waitFor(requests.map((r) => String(r['correlation_id'])), 90_000);
    const all = [...agents.results.values()];
    expect(all.every((list) => list.length === 1)).toBe(true);
    expect(all.every((list) => list[0]!.status === 'completed')).toBe(true);
    const stats = stack.sim!.stats();
    expect(stats.violations).toBe(0);
    expect(stats.models['gpt-3.5']!.peak_concurrency).toBeLessThanOrEqual(5);
    expect(stats.models['gpt-4-turbo']!.peak_concurrency).toBeLessThanOrEqual(3);
    expect(stats.models['gpt-4-o']!.peak_concurrency).toBeLessThanOrEqual(10);
    // The fleet was kept busy: the largest model reached its capacity.
    expect(stats.models['gpt-4-o']!.peak_concurrency).toBe(10);
  });
});
