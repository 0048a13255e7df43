import { afterEach, describe, expect, it } from 'vitest';
import { consumeUntil } from '../../../lib/local/consumer.js';
import { AgentSide, e2eConfig, originalRequest, startE2eStack } from '../support/stack.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(extra: Record<string, unknown> = {}, opts: Parameters<typeof startE2eStack>[1] = {}) {
  const { stack, cleanup } = await startE2eStack(e2eConfig(extra), opts);
  cleanups.push(cleanup);
  const agents = new AgentSide(stack.config);
  await agents.start();
  cleanups.push(() => agents.stop());
  return { stack, agents };
}

describe('Bad input and faulty models (real Kafka, DynamoDB Local, simulated fleet)', () => {
  it('answers poison records with failed results and dead letters while the partition keeps flowing', async () => {
    const { stack, agents } = await setup({}, { partitions: 1 });
    const topic = stack.config.kafka.topics.high;
    const before = [originalRequest('high'), originalRequest('high')];
    await agents.send(before);
    await agents.sendRaw(topic, '{"id": "broken", ', { correlation_id: 'poison-json' });
    await agents.sendRaw(topic, JSON.stringify({ ...originalRequest('high'), correlation_id: 'poison-enum', priority: 'urgent' }), { correlation_id: 'poison-enum' });
    await agents.sendRaw(topic, Buffer.from([0xff, 0xfe, 0x00, 0x01]), { correlation_id: 'poison-bytes' });
    await agents.sendRaw(topic, JSON.stringify({ ...originalRequest('high'), correlation_id: 'poison-size', content: 'x'.repeat(600_000) }), { correlation_id: 'poison-size' });
    await agents.sendRaw(topic, 'no correlation at all');
    const after = [originalRequest('high'), originalRequest('high')];
    await agents.send(after);

    const poison = ['poison-json', 'poison-enum', 'poison-bytes', 'poison-size'];
    await agents.waitFor([...before, ...after].map((r) => String(r['correlation_id'])).concat(poison));
    for (const r of [...before, ...after]) expect(agents.results.get(String(r['correlation_id']))![0]!.status).toBe('completed');
    const fields = poison.map((c) => [c, agents.results.get(c)![0]!.error?.code, agents.results.get(c)![0]!.error?.field]);
    expect(fields).toEqual([
      ['poison-json', 'invalid_request', '$'],
      ['poison-enum', 'invalid_request', 'priority'],
      ['poison-bytes', 'invalid_request', '$'],
      ['poison-size', 'invalid_request', 'content'],
    ]);
    const letters = await consumeUntil(agents.kafka, stack.config.kafka.topics.dead_letter, { count: 5, timeoutMs: 15_000 });
    expect(letters).toHaveLength(5);
    const raw = letters.map((l) => JSON.parse(l.value!.toString()) as { value_base64: string; reason: { code: string }; source: { topic: string } });
    expect(raw.every((l) => l.reason.code === 'invalid_request' && l.source.topic === topic)).toBe(true);
    expect(raw.map((l) => Buffer.from(l.value_base64, 'base64').toString('latin1'))).toContain('no correlation at all');
  });

  it('completes everything on healthy capacity while one model fails 30% with 5xx and another answers 429, and both come back', async () => {
    const { stack, agents } = await setup({ capacity: { cooldown: { failure_threshold: 2, base_ms: 500, max_ms: 2_000 } } });
    const sim = stack.sim!;
    sim.setFaults('gpt-3.5', { failRate: 0.3 });
    sim.setFaults('gpt-4-turbo', { rateLimitRate: 1, retryAfterS: 1 });
    // text_generation: every model supports it, so gpt-4-o is the healthy capacity to fall back on.
    const requests = Array.from({ length: 120 }, (_, i) => originalRequest((['high', 'medium', 'low'] as const)[i % 3]!));
    await agents.send(requests);
    await agents.waitFor(requests.map((r) => String(r['correlation_id'])), 90_000);
    const results = requests.map((r) => agents.results.get(String(r['correlation_id']))!);
    const bad = results.filter((list) => list.length !== 1 || list[0]!.status !== 'completed');
    expect(bad.map((l) => l.map((r) => `${r.status}:${r.model_id}:${r.error?.code}:${r.error?.message}:${r.attempts}`))).toEqual([]);
    expect(results.every((list) => list.length === 1 && list[0]!.status === 'completed')).toBe(true);
    const stats = sim.stats();
    expect(stats.models['gpt-3.5']!.failures_injected).toBeGreaterThan(0);
    expect(stats.models['gpt-4-turbo']!.rate_limited_injected).toBeGreaterThan(0);
    expect(stats.violations).toBe(0);
    const turbo = (await stack.deps.store.getModel('gpt-4-turbo'))!;
    expect(turbo.state.errors).toBeGreaterThan(0);

    // Heal both; after the cooldown they take work again by themselves.
    sim.setFaults('*', { failRate: 0, rateLimitRate: 0 });
    await new Promise((r) => setTimeout(r, 2_500));
    const before = sim.stats().models['gpt-4-turbo']!.completed;
    const more = Array.from({ length: 30 }, () => originalRequest('high', 'image_analysis'));
    await agents.send(more);
    await agents.waitFor(more.map((r) => String(r['correlation_id'])), 60_000);
    expect(more.every((r) => agents.results.get(String(r['correlation_id']))![0]!.model_id === 'gpt-4-turbo')).toBe(true);
    expect(sim.stats().models['gpt-4-turbo']!.completed - before).toBe(30);
  });
});
