import { ModelConfigSchema } from '../config/schema.js';
import type { ModelConfig } from '../config/schema.js';
import type { TaskType } from '../contracts/request.js';
import type { SimModelOptions } from './types.js';

/** A demo model: its simulated server options and the tasks the scheduler may send it. */
export interface DemoModel extends SimModelOptions {
  supportedTasks: TaskType[];
}

/** The original demo's fleet: three models of different sizes, 150 ms prefill + 2 ms/token. */
export const DEMO_FLEET: readonly DemoModel[] = [
  { id: 'gpt-3.5', capacity: 5, latencyMs: 150, perTokenMs: 2, supportedTasks: ['text_generation', 'data_processing'] },
  {
    id: 'gpt-4-turbo',
    capacity: 3,
    latencyMs: 150,
    perTokenMs: 2,
    supportedTasks: ['text_generation', 'image_analysis', 'data_processing'],
  },
  { id: 'gpt-4-o', capacity: 10, latencyMs: 150, perTokenMs: 2, supportedTasks: ['text_generation'] },
];

/** The simulated-server side of {@link DEMO_FLEET} (for `startSimServer({ models })`). */
export function demoSimModels(overrides: Partial<SimModelOptions> = {}): SimModelOptions[] {
  return DEMO_FLEET.map(({ supportedTasks: _tasks, ...sim }) => ({ ...sim, ...overrides }));
}

/**
 * Scheduler configuration for models served by a simulated server at `baseUrl` (ending in /v1):
 * same ids and capacities, no API key, defaults of the config schema applied.
 */
export function simModelConfigs(baseUrl: string, fleet: readonly DemoModel[] = DEMO_FLEET): ModelConfig[] {
  return fleet.map((m) =>
    ModelConfigSchema.parse({
      id: m.id,
      endpoint: baseUrl,
      supported_tasks: m.supportedTasks,
      capacity: m.capacity,
    }),
  );
}
