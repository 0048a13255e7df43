import { HEADROOM_SHARES } from '../../../lib/capacity/shares.js';
import { randomUUID } from 'node:crypto';
import type { CapacityStoreOptions } from '../../../lib/capacity/options.js';
import type { AcquireInput, CapacityStore, Lease } from '../../../lib/capacity/types.js';
import { ModelConfigSchema } from '../../../lib/config/schema.js';
import type { ModelConfig, ModelConfigInput } from '../../../lib/config/schema.js';

/** A minute boundary + 1 s: rate windows are deterministic under the test clock. */
export const T0 = 1_800_000_000_000 - (1_800_000_000_000 % 60_000) + 1_000;

export interface ContractBackend {
  /** A store on a table shared by the whole suite (tests use their own model ids). */
  make(options: CapacityStoreOptions): CapacityStore;
}

export function model(overrides: Partial<ModelConfigInput> = {}): ModelConfig {
  return ModelConfigSchema.parse({
    id: `m-${randomUUID().slice(0, 8)}`,
    endpoint: 'http://127.0.0.1:30000/v1',
    supported_tasks: ['text_generation'],
    capacity: 5,
    ...overrides,
  });
}

/** A store with a clock the test moves, and a fresh model on it. */
export async function fixture(backend: ContractBackend, spec: Partial<ModelConfigInput> = {}) {
  const clock = { now: T0 };
  // The contract exercises priority shares, so it runs with headroom (the default is work-conserving).
  const store = backend.make({
    priorityShares: HEADROOM_SHARES,
    clock: () => clock.now,
    leaseTtlMs: 10_000,
    cooldown: { failure_threshold: 3, base_ms: 1_000, max_ms: 8_000 },
  });
  const m = model(spec);
  await store.putModel(m);
  let n = 0;
  const input = (over: Partial<AcquireInput> = {}): AcquireInput => ({
    modelId: m.id, priority: 'high', leaseId: `lease-${n++}-${randomUUID()}`, estimatedTokens: 0, ...over,
  });
  const grab = async (over: Partial<AcquireInput> = {}): Promise<Lease> => {
    const out = await store.acquire(input(over));
    if (!out.granted) throw new Error(`expected a grant, got ${out.reason}`);
    return out.lease;
  };
  const state = async () => (await store.getModel(m.id))!.state;
  return { clock, store, m, input, grab, state };
}

export const ok = { ok: true, latencyMs: 100, promptTokens: 10, completionTokens: 5 } as const;
export const serverError = { ok: false, latencyMs: 50, promptTokens: 0, completionTokens: 0, failure: 'server_error' } as const;
