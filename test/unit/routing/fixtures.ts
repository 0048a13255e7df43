import type { ModelLiveState, ModelSnapshot } from '../../../lib/capacity/types.js';
import type { ModelConfig } from '../../../lib/config/schema.js';
import type { RoutingRequest } from '../../../lib/routing/index.js';

/** A model snapshot with an idle state; override what the test is about. */
export function snap(id: string, spec: Partial<ModelConfig> = {}, state: Partial<ModelLiveState> = {}): ModelSnapshot {
  return {
    spec: {
      id,
      endpoint: `http://${id}:8000/v1`,
      supported_tasks: ['text_generation'],
      capacity: 10,
      weight: 1,
      cost_per_1k_tokens: 0,
      api_key: { none: true },
      shards: 1,
      ...spec,
    },
    state: {
      inFlight: 0,
      liveLeases: 0,
      cooldownUntil: 0,
      consecutiveFailures: 0,
      processed: 0,
      errors: 0,
      avgLatencyMs: 0,
      ewmaLatencyMs: 0,
      tokensIn: 0,
      tokensOut: 0,
      ...state,
    },
  };
}

export const req = (over: Partial<RoutingRequest> = {}): RoutingRequest => ({ task_type: 'text_generation', ...over });

/** mulberry32: a small seeded PRNG so randomized strategies are reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random source that returns the given values in turn (then repeats the last). */
export function scripted(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}

export const ids = (models: readonly ModelSnapshot[]): string[] => models.map((m) => m.spec.id);

export function countFirst(times: number, pick: () => ModelSnapshot[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < times; i++) {
    const first = pick()[0]!.spec.id;
    counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  return counts;
}
