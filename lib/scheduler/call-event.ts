import { z } from 'zod';
import { PrioritySchema } from '../contracts/request.js';
import type { QueueItem } from '../queue/types.js';

/**
 * The event `functions/call` is invoked with (Lambda `InvocationType: Event`, at most 1 MB): the
 * slot leases the dispatcher took and the keys of the requests it claimed for them. The requests
 * themselves stay in the wait queue (the durable record); an async invoke is a doorbell that may
 * ring twice or never, so the call function adopts each claim before it calls a model and the
 * reaper re-dispatches work whose doorbell never rang.
 */
export const LeaseSchema = z
  .object({
    leaseId: z.string().min(1),
    modelId: z.string().min(1),
    shard: z.number().int().min(0),
    priority: PrioritySchema,
    estimatedTokens: z.number().min(0),
    expiresAt: z.number(),
    rateWindow: z.number().optional(),
  })
  .strict();

export const CallAssignmentSchema = z
  .object({
    key: z.object({ id: z.string(), correlationId: z.string() }).strict(),
    /** The owner the dispatcher claimed the request as; the call adopts it under its own id. */
    owner: z.string().min(1),
    lease: LeaseSchema,
  })
  .strict();
export type CallAssignment = z.infer<typeof CallAssignmentSchema>;

export const CallEventSchema = z
  .object({
    kind: z.literal('agentsched.call'),
    /** Epoch ms when the dispatcher rang; the call measures its start delay from it. */
    sentAt: z.number(),
    calls: z.array(CallAssignmentSchema).min(1).max(100),
  })
  .strict();
export type CallEvent = z.infer<typeof CallEventSchema>;

/**
 * The claimed items the dispatcher already holds, by `keyString(key)`. An invoker that runs the
 * call in the same process hands them over so the call need not read them again; one that sends
 * the event elsewhere ignores them (the event stays small: keys and leases only).
 */
export type Prefetched = ReadonlyMap<string, QueueItem>;

/** Starts `functions/call` with an event; resolves once the platform accepted it (not when it ends). */
export interface CallInvoker {
  invoke(event: CallEvent, prefetched?: Prefetched): Promise<void>;
  /**
   * True when one event may start the function twice (Lambda async invoke may deliver an event more
   * than once): the call then adopts its claims with a conditional write before any model call.
   */
  readonly mayDuplicate: boolean;
}
