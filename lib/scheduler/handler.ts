import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { decodeKafkaEvent } from '../kafka/event.js';
import { admitBatch } from './admit.js';
import type { BatchSummary } from './admit.js';
import { CallEventSchema } from './call-event.js';
import type { CallEvent, Prefetched } from './call-event.js';
import { runCallEvent } from './call-run.js';
import type { CallSummary } from './call-run.js';
import type { SchedulerDeps } from './deps.js';

type DepsSource = SchedulerDeps | (() => Promise<SchedulerDeps>);

/** Resolves `deps` once per container; a failed setup is tried again by the next invocation, not cached. */
function lazy(deps: DepsSource): () => Promise<SchedulerDeps> {
  let resolved: Promise<SchedulerDeps> | undefined;
  return () => {
    resolved ??= (typeof deps === 'function' ? deps() : Promise.resolve(deps)).catch((err: unknown) => {
      resolved = undefined;
      throw err;
    });
    return resolved;
  };
}

/**
 * The Lambda handler for Kafka event source mappings (MSK and self-managed): decode the event,
 * admit the batch (register + dispatch), return — no model call, so the partition moves on in
 * milliseconds. `deps` is resolved once per container and reused while warm.
 */
export function createScheduleHandler(deps: DepsSource) {
  const getDeps = lazy(deps);
  return middy(async (event: unknown, context: Context): Promise<BatchSummary> => {
    const records = decodeKafkaEvent(event);
    return admitBatch(records, await getDeps(), {
      remainingMs: () => context.getRemainingTimeInMillis(),
      requestId: context.awsRequestId,
    });
  });
}

/**
 * The handler of `functions/call` (async invoke): validate the event (a malformed one is a
 * deployment bug — it throws, and the sweep recovers the claims it named), run the calls, hand
 * each slot on.
 */
export function createCallHandler(deps: DepsSource) {
  const getDeps = lazy(deps);
  return middy(async (event: unknown, context: Context): Promise<CallSummary> => {
    const parsed = CallEventSchema.parse(event);
    return runCallEvent(parsed, await getDeps(), {
      remainingMs: () => context.getRemainingTimeInMillis(),
      requestId: context.awsRequestId,
    });
  });
}

/**
 * `functions/call` for an in-process invoker: the event is built by this process's dispatcher
 * (already typed) and comes with the items it claimed, so the call reads nothing back.
 */
export function createInProcessCallRunner(deps: SchedulerDeps) {
  return (event: CallEvent, context: Context, prefetched?: Prefetched): Promise<CallSummary> =>
    runCallEvent(event, deps, { remainingMs: () => context.getRemainingTimeInMillis(), requestId: context.awsRequestId }, prefetched);
}
