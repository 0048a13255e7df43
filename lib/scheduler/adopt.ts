import { randomUUID } from 'node:crypto';
import type { QueueItem } from '../queue/types.js';
import type { CallAssignment } from './call-event.js';
import type { InvocationContext, SchedulerDeps } from './deps.js';

/**
 * Makes the dispatcher's claim this invocation's. Where one event may start the function twice
 * (Lambda async invoke), a conditional write moves the claim to an owner only this invocation
 * has, so a second copy of the event finds it taken and calls no model (and leaves the lease to
 * the first copy). Undefined: the claim is not this invocation's to run.
 */
export async function adoptAssignment(
  deps: SchedulerDeps,
  invocation: InvocationContext,
  a: CallAssignment,
  prefetched?: QueueItem,
): Promise<{ item: QueueItem; owner: string } | undefined> {
  const { queue, clock, config } = deps;
  if (deps.calls.mayDuplicate) {
    const owner = `${a.owner}/${invocation.requestId ?? randomUUID()}`;
    const item = await queue.adopt(a.key, a.owner, owner, config.scheduler.claim_ttl_ms, clock.now());
    return item ? { item, owner } : undefined;
  }
  // In process the dispatcher's own claim comes along; otherwise read it back.
  const item = prefetched?.owner === a.owner ? prefetched : await queue.get(a.key);
  if (item?.state === 'running' && item.owner === a.owner) return { item, owner: a.owner };
  await deps.store.release(a.lease);
  return undefined;
}
