import type { ModelLiveState, ModelSnapshot } from '../../../lib/capacity/types.js';
import { parseConfig } from '../../../lib/config/load.js';
import type { Config } from '../../../lib/config/schema.js';
import type { MappingControl, MappingInfo, PollerRange } from '../../../lib/scaling/mappings.js';

/** A model snapshot as the capacity table returns it. */
export function model(id: string, capacity: number, state: Partial<ModelLiveState> = {}): ModelSnapshot {
  const [spec] = parseConfig({ models: [{ id, endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation'], capacity }] }, 'test').models;
  return {
    spec: spec!,
    state: {
      inFlight: 0, liveLeases: 0, cooldownUntil: 0, consecutiveFailures: 0, processed: 0, errors: 0,
      avgLatencyMs: 0, ewmaLatencyMs: 0, tokensIn: 0, tokensOut: 0, ...state,
    },
  };
}

export function scalingConfig(extra: Record<string, unknown> = {}): Config {
  return parseConfig(
    {
      models: [{ id: 'm', endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation'], capacity: 1 }],
      scaling: { min: 1, max: 10, scaling_factor: 1.5 },
      ...extra,
    },
    'test',
  );
}

/** An in-memory `MappingControl` that records the writes. */
export class FakeMappings implements MappingControl {
  readonly writes: { uuid: string; pollers: PollerRange }[] = [];
  listedFor: string[] = [];
  failOn = new Set<string>();

  constructor(public mappings: MappingInfo[]) {}

  list(functionName: string): Promise<MappingInfo[]> {
    this.listedFor.push(functionName);
    return Promise.resolve(this.mappings.map((m) => ({ ...m })));
  }

  setPollers(uuid: string, pollers: PollerRange): Promise<void> {
    if (this.failOn.has(uuid)) return Promise.reject(new Error(`boom ${uuid}`));
    this.writes.push({ uuid, pollers });
    return Promise.resolve();
  }
}
