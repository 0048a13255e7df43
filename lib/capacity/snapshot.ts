import type { ModelConfig } from '../config/schema.js';
import type { ShardState } from './items.js';
import { rateWindow } from './rules.js';
import type { ModelLiveState, ModelSnapshot } from './types.js';

/**
 * Sums a model's shard items into one live state. Counters add up; `cooldownUntil` is the latest
 * of the shards (0 once past); the EWMA is the shards' EWMAs weighted by their sample counts.
 */
export function aggregateShards(shards: readonly ShardState[], now: number): ModelLiveState {
  const state: ModelLiveState = {
    inFlight: 0, liveLeases: 0, cooldownUntil: 0, consecutiveFailures: 0, processed: 0, errors: 0,
    avgLatencyMs: 0, ewmaLatencyMs: 0, tokensIn: 0, tokensOut: 0, reaped: 0, windowRequests: 0, windowTokens: 0,
  };
  let latSum = 0;
  let latCount = 0;
  let ewmaWeighted = 0;
  let ewmaWeight = 0;
  const window = rateWindow(now);
  for (const s of shards) {
    state.inFlight += s.inFlight;
    state.liveLeases += Object.values(s.leases).filter((l) => l.e > now).length;
    state.cooldownUntil = Math.max(state.cooldownUntil, s.cooldownUntil > now ? s.cooldownUntil : 0);
    state.consecutiveFailures = Math.max(state.consecutiveFailures, s.failures);
    state.processed += s.processed;
    state.errors += s.errors;
    state.tokensIn += s.tokIn;
    state.tokensOut += s.tokOut;
    state.reaped! += s.reaped;
    if (s.rlWin === window) {
      state.windowRequests! += s.rlReq;
      state.windowTokens! += s.rlTok;
    }
    latSum += s.latSum;
    latCount += s.latCount;
    if (s.ewma !== undefined) {
      const w = Math.max(1, s.latCount);
      ewmaWeighted += s.ewma * w;
      ewmaWeight += w;
    }
  }
  state.avgLatencyMs = latCount > 0 ? latSum / latCount : 0;
  state.ewmaLatencyMs = ewmaWeight > 0 ? ewmaWeighted / ewmaWeight : 0;
  return state;
}

export function toSnapshot(spec: ModelConfig, shards: readonly ShardState[], now: number): ModelSnapshot {
  return { spec, state: aggregateShards(shards, now) };
}
