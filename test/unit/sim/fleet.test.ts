import { describe, expect, it } from 'vitest';
import { DEMO_FLEET, demoSimModels, simModelConfigs } from '../../../lib/sim/fleet.js';
import { ConfigSchema } from '../../../lib/config/schema.js';

describe('demo fleet', () => {
  it('is the original demo: gpt-3.5 (5), gpt-4-turbo (3), gpt-4-o (10)', () => {
    expect(DEMO_FLEET.map((m) => [m.id, m.capacity])).toEqual([['gpt-3.5', 5], ['gpt-4-turbo', 3], ['gpt-4-o', 10]]);
  });

  it('builds valid model configs pointing at the simulator, with the demo tasks', () => {
    const models = simModelConfigs('http://127.0.0.1:9999/v1');
    expect(() => ConfigSchema.parse({ models })).not.toThrow();
    expect(models.map((m) => [m.id, m.endpoint, m.capacity, m.supported_tasks])).toEqual([
      ['gpt-3.5', 'http://127.0.0.1:9999/v1', 5, ['text_generation', 'data_processing']],
      ['gpt-4-turbo', 'http://127.0.0.1:9999/v1', 3, ['text_generation', 'image_analysis', 'data_processing']],
      ['gpt-4-o', 'http://127.0.0.1:9999/v1', 10, ['text_generation']],
    ]);
    expect(models[0]!.api_key).toEqual({ none: true });
  });

  it('gives the simulator the same models, with overrides applied to each', () => {
    const sims = demoSimModels({ failRate: 0.2 });
    expect(sims.map((m) => [m.id, m.capacity, m.failRate])).toEqual([['gpt-3.5', 5, 0.2], ['gpt-4-turbo', 3, 0.2], ['gpt-4-o', 10, 0.2]]);
    expect(sims[0]).not.toHaveProperty('supportedTasks');
  });
});
