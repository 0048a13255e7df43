import type { Config } from '../config/schema.js';
import { PRIORITIES } from '../contracts/request.js';
import type { Priority } from '../contracts/request.js';

/**
 * Lambda's limits on provisioned pollers: MinimumPollers 1–200, MaximumPollers 1–2,000
 * (https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html).
 */
export const LAMBDA_MIN_POLLERS_LIMIT = 200;
export const LAMBDA_MAX_POLLERS_LIMIT = 2_000;

/** `scaling` of the configuration: poller bounds and the step factor. */
export type ScalingConfig = Config['scaling'];

/** What one priority topic looks like right now. */
export interface TopicLoad {
  topic: string;
  priority: Priority;
  /** Consumer-group lag: sum over partitions of log end offset − committed offset. */
  lag: number;
  /** Partition count: the ceiling on pollers (Lambda never runs more pollers than partitions). */
  partitions: number;
  /** Pollers the mapping has now (its maximum). */
  pollers: number;
  /** Records per invocation (the mapping's BatchSize). */
  batchSize: number;
  /** Free slots in the fleet for this topic's priority (see `freeSlots`). */
  freeSlots: number;
  /** Epoch ms of the mapping's last change; absent when unknown (no cool-down applies). */
  lastChangedAt?: number;
}

/** Minimum time between two changes of one mapping, per direction. */
export interface Hysteresis {
  /** Default 2 minutes: a poller change takes Lambda a minute or more to apply. */
  scaleUpAfterMs: number;
  /** Default 5 minutes: shrinking is never urgent, and a too-early shrink is paid with lag. */
  scaleDownAfterMs: number;
}

export const DEFAULT_HYSTERESIS: Hysteresis = { scaleUpAfterMs: 120_000, scaleDownAfterMs: 300_000 };

/** Lag per poller at or below this fraction of a batch counts as idle ("lag ~0"). */
export const DEFAULT_IDLE_FRACTION = 0.1;

export interface DecideInput {
  topics: readonly TopicLoad[];
  scaling: ScalingConfig;
  /** Epoch ms. */
  now: number;
  hysteresis?: Hysteresis;
  idleFraction?: number;
}

export type DecisionReason =
  /** Lag per poller above one batch and the fleet has free slots. */
  | 'scale_up'
  /** Lag ~0: fewer pollers serve the topic as well. */
  | 'scale_down'
  /** Lag, but every model is full for this priority: more pollers cannot help, hold. */
  | 'fleet_full'
  /** Lag between idle and one batch per poller: the dead band, hold. */
  | 'steady'
  /** Would scale, but already at the bound ([min, max], partitions). */
  | 'at_limit'
  /** Would scale, but the last change is too recent. */
  | 'cooldown'
  /** Current pollers were outside the bounds (config or partitions changed): clamped at once. */
  | 'bounds'
  /** Raised to the pollers of a lower priority: a lagging higher priority never has fewer. */
  | 'priority';

export interface PollerDecision {
  topic: string;
  priority: Priority;
  /** Pollers the mapping should have. */
  pollers: number;
  /** Pollers it has now. */
  previous: number;
  reason: DecisionReason;
}

/** Smallest and largest poller count allowed for a topic: [min, max] of the config, ≤ partitions. */
export function pollerBounds(scaling: ScalingConfig, partitions: number): { lower: number; upper: number } {
  // Lambda's provisioned mode has at least one poller, whatever `scaling.min` says.
  const upper = Math.max(1, Math.min(scaling.max, partitions, LAMBDA_MAX_POLLERS_LIMIT));
  const lower = Math.min(upper, Math.max(1, scaling.min));
  return { lower, upper };
}

const clamp = (n: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, n));

/** One step up: × factor, at least +1, never more than the lag needs (one batch per poller). */
function stepUp(current: number, factor: number, lag: number, batchSize: number): number {
  const needed = Math.ceil(lag / batchSize);
  return Math.min(needed, Math.max(current + 1, Math.ceil(current * factor)));
}

/** One step down: ÷ factor, at least −1. */
function stepDown(current: number, factor: number): number {
  return Math.min(current - 1, Math.floor(current / factor));
}

function decideOne(t: TopicLoad, input: DecideInput): PollerDecision {
  const { lower, upper } = pollerBounds(input.scaling, t.partitions);
  const hysteresis = input.hysteresis ?? DEFAULT_HYSTERESIS;
  const idleFraction = input.idleFraction ?? DEFAULT_IDLE_FRACTION;
  const factor = input.scaling.scaling_factor;
  const base = clamp(t.pollers, lower, upper);
  const batch = Math.max(1, t.batchSize);
  const lagPerPoller = Math.max(0, t.lag) / base;

  let reason: DecisionReason;
  let target = base;
  if (lagPerPoller > batch) {
    if (t.freeSlots <= 0) reason = 'fleet_full';
    else if (base >= upper) reason = 'at_limit';
    else {
      reason = 'scale_up';
      target = clamp(stepUp(base, factor, t.lag, batch), lower, upper);
    }
  } else if (lagPerPoller <= batch * idleFraction) {
    if (base <= lower) reason = 'steady';
    else {
      reason = 'scale_down';
      target = clamp(stepDown(base, factor), lower, upper);
    }
  } else {
    reason = 'steady';
  }

  if (target !== base && t.lastChangedAt !== undefined) {
    const wait = target > base ? hysteresis.scaleUpAfterMs : hysteresis.scaleDownAfterMs;
    if (input.now - t.lastChangedAt < wait) {
      reason = 'cooldown';
      target = base;
    }
  }
  // Clamping to the bounds is a correction, not a scaling step: never delayed.
  if (target === base && base !== t.pollers) reason = 'bounds';
  return { topic: t.topic, priority: t.priority, pollers: target, previous: t.pollers, reason };
}

const rank = (p: Priority): number => PRIORITIES.indexOf(p);

/**
 * Decides the pollers of each priority topic's event source mapping. Pure: same input, same output.
 *
 * Per topic, with `base` = current pollers clamped to `pollerBounds` and `L` = lag ÷ base:
 * - `L` > one batch and the topic's priority has free slots in the fleet → × `scaling_factor`
 *   (at least +1, at most ⌈lag ÷ batch⌉); no free slot → hold (`fleet_full`): the capacity table is
 *   the bottleneck, and more pollers would only fetch records that wait for a slot.
 * - `L` ≤ `idleFraction` of a batch (lag ~0) → ÷ `scaling_factor` (at least −1).
 * - in between → hold: the dead band between the two thresholds is the first anti-flap measure.
 * - a change waits until `hysteresis` has passed since `lastChangedAt` (up and down separately).
 * - always within [max(1, min), min(max, partitions)].
 * Then, lowest priority first, a topic with lag gets at least the pollers of every lower priority
 * (within its own bounds, without waiting for the cool-down: it corrects an inversion).
 *
 * Returns one decision per input topic, in input order.
 */
export function decidePollers(input: DecideInput): PollerDecision[] {
  const decisions = input.topics.map((t) => decideOne(t, input));
  const order = input.topics.map((t, i) => ({ t, i })).sort((a, b) => rank(b.t.priority) - rank(a.t.priority));
  for (const { t, i } of order) {
    if (t.lag <= 0) continue;
    const floor = Math.max(
      0,
      ...decisions.filter((d) => rank(d.priority) > rank(t.priority)).map((d) => d.pollers),
    );
    const own = decisions[i]!;
    const raised = Math.min(floor, pollerBounds(input.scaling, t.partitions).upper);
    if (raised > own.pollers) decisions[i] = { ...own, pollers: raised, reason: 'priority' };
  }
  return decisions;
}
