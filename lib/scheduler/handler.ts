import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { decodeKafkaEvent } from '../kafka/event.js';
import { processBatch } from './batch.js';
import type { BatchSummary } from './batch.js';
import type { SchedulerDeps } from './deps.js';

/**
 * The Lambda handler for Kafka event source mappings (MSK and self-managed): decode the event,
 * call the core once, return. `deps` is resolved once per container and reused while warm.
 */
export function createScheduleHandler(deps: SchedulerDeps | (() => Promise<SchedulerDeps>)) {
  let resolved: Promise<SchedulerDeps> | undefined;
  const getDeps = (): Promise<SchedulerDeps> => (resolved ??= typeof deps === 'function' ? deps() : Promise.resolve(deps));
  return middy(async (event: unknown, context: Context): Promise<BatchSummary> => {
    const records = decodeKafkaEvent(event);
    return processBatch(records, await getDeps(), {
      remainingMs: () => context.getRemainingTimeInMillis(),
      requestId: context.awsRequestId,
    });
  });
}
