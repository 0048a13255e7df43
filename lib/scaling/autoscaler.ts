import type { ModelSnapshot } from '../capacity/types.js';
import type { Config } from '../config/schema.js';
import { PRIORITIES } from '../contracts/request.js';
import type { Priority } from '../contracts/request.js';
import { AgentSchedError, toError } from '../errors/index.js';
import { LAMBDA_MIN_POLLERS_LIMIT, decidePollers, pollerBounds } from './decide.js';
import type { Hysteresis, PollerDecision, TopicLoad } from './decide.js';
import { freeSlots } from './fleet.js';
import type { TopicLag } from './lag.js';
import type { MappingControl, MappingInfo, PollerRange } from './mappings.js';

export interface AutoscaleDeps {
  mappings: MappingControl;
  /** The function whose Kafka mappings are sized (the `schedule` function). */
  functionName: string;
  /** Reads a group's lag on a topic (e.g. `adminLag` on one admin connection). */
  lag: (groupId: string, topic: string) => Promise<TopicLag>;
  /** The fleet's live state (the capacity table's `listModels`). */
  models: () => Promise<ModelSnapshot[]>;
  config: Pick<Config, 'kafka' | 'scaling' | 'capacity'>;
  /** Epoch ms (default `Date.now`). */
  clock?: () => number;
  hysteresis?: Hysteresis;
  idleFraction?: number;
  /**
   * A mapping in on-demand mode: `skip` (default) leaves it to Lambda; `adopt` gives it a
   * `ProvisionedPollerConfig`, which switches it to provisioned mode (billed per poller unit).
   */
  onDemand?: 'skip' | 'adopt';
}

/** What the run did with one mapping. */
export interface AutoscaleOutcome {
  uuid: string;
  topic: string;
  priority?: Priority;
  decision?: PollerDecision;
  /** The range written to the mapping, when one was. */
  applied?: PollerRange;
  /** Why the mapping was left out of the decision. */
  skipped?: string;
  /** Reading its lag or writing its pollers failed; the other mappings were still handled. */
  error?: { code: string; message: string; retryable: boolean };
}

function errorOf(err: unknown): NonNullable<AutoscaleOutcome['error']> {
  if (err instanceof AgentSchedError) return { code: err.code, message: err.message, retryable: err.retryable };
  return { code: 'unexpected', message: toError(err).message, retryable: false };
}

function priorityOf(topics: Config['kafka']['topics'], topic: string): Priority | undefined {
  return PRIORITIES.find((p) => topics[p] === topic);
}

/**
 * The range written for a decided poller count: the maximum is the decision; the minimum is
 * `scaling.min` (at least 1, Lambda's limit 200, never above the maximum). Lambda's own
 * provisioned scaler moves within the range; the autoscaler moves the range with the fleet.
 */
export function pollerRange(scaling: Config['scaling'], pollers: number, group?: string): PollerRange {
  const min = Math.min(pollers, LAMBDA_MIN_POLLERS_LIMIT, Math.max(1, scaling.min));
  return group === undefined ? { min, max: pollers } : { min, max: pollers, group };
}

interface Candidate {
  mapping: MappingInfo;
  outcome: AutoscaleOutcome;
  load: TopicLoad;
}

/** The mapping's load, or undefined (with `outcome` saying why) when it is not to be decided. */
async function prepare(
  mapping: MappingInfo,
  outcome: AutoscaleOutcome,
  deps: AutoscaleDeps,
  free: Record<Priority, number>,
): Promise<Candidate | undefined> {
  const { kafka, scaling } = deps.config;
  const priority = priorityOf(kafka.topics, mapping.topic);
  if (priority === undefined) {
    outcome.skipped = 'not a priority topic';
    return undefined;
  }
  outcome.priority = priority;
  // Lambda refuses updates while a mapping is in transition; a disabled one consumes nothing.
  if (mapping.state !== undefined && mapping.state !== 'Enabled') {
    outcome.skipped = `mapping is ${mapping.state}`;
    return undefined;
  }
  if (mapping.pollers === null && deps.onDemand !== 'adopt') {
    outcome.skipped = 'on-demand mode';
    return undefined;
  }
  let lag: TopicLag;
  try {
    lag = await deps.lag(mapping.groupId, mapping.topic);
  } catch (err: unknown) {
    outcome.error = errorOf(err);
    return undefined;
  }
  // An on-demand mapping being adopted starts from the lower bound, with no cool-down.
  const load: TopicLoad = {
    topic: mapping.topic,
    priority,
    lag: lag.lag,
    partitions: lag.partitions,
    pollers: mapping.pollers?.max ?? pollerBounds(scaling, lag.partitions).lower,
    batchSize: mapping.batchSize ?? kafka.batch_size,
    freeSlots: free[priority],
  };
  if (mapping.pollers !== null && mapping.lastModified !== undefined) load.lastChangedAt = mapping.lastModified;
  return { mapping, outcome, load };
}

/**
 * One autoscaling run: lists the function's Kafka mappings, reads each one's lag and the fleet's
 * free slots, decides with `decidePollers`, and writes the ranges that changed. A failure on one
 * mapping is reported in its outcome and does not stop the others; failing to list the mappings or
 * the models throws (nothing can be decided).
 */
export async function autoscale(deps: AutoscaleDeps): Promise<AutoscaleOutcome[]> {
  const now = (deps.clock ?? Date.now)();
  const { scaling, capacity } = deps.config;
  const [mappings, models] = await Promise.all([deps.mappings.list(deps.functionName), deps.models()]);
  const free = freeSlots(models, capacity.priority_shares, now);

  const outcomes = mappings.map((m): AutoscaleOutcome => ({ uuid: m.uuid, topic: m.topic }));
  const prepared = await Promise.all(mappings.map((m, i) => prepare(m, outcomes[i]!, deps, free)));
  const candidates = prepared.filter((c): c is Candidate => c !== undefined);

  const decisions = decidePollers({
    topics: candidates.map((c) => c.load),
    scaling,
    now,
    hysteresis: deps.hysteresis,
    idleFraction: deps.idleFraction,
  });
  await Promise.all(
    candidates.map(async ({ mapping, outcome }, i) => {
      const decision = decisions[i]!;
      outcome.decision = decision;
      const range = pollerRange(scaling, decision.pollers, mapping.pollers?.group);
      const current = mapping.pollers;
      if (current !== null && current.min === range.min && current.max === range.max) return;
      try {
        await deps.mappings.setPollers(mapping.uuid, range);
        outcome.applied = range;
      } catch (err: unknown) {
        outcome.error = errorOf(err);
      }
    }),
  );
  return outcomes;
}
