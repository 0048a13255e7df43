import { randomUUID } from 'node:crypto';
import type { QueueItem } from '../queue/types.js';
import { Answerer, failureFor } from './answer.js';
import type { SchedulerDeps } from './deps.js';
import { requestOf } from './entry.js';
import { containerState } from './container-state.js';
import { ANSWER_CLAIM_MS } from './expire.js';

/** How often one container looks for the work of dead calls (it is also what the reaper runs). */
export const SWEEP_EVERY_MS = 2_000;
/** Lapsed items taken per sweep. */
const SWEEP_LIMIT = 25;

export interface SweepResult {
  /** Requests of dead calls put back in the queue. */
  requeued: number;
  /** Stored answers whose publisher died, published again. */
  republished: number;
  /** Requests that stopped their call `max_attempts` times, answered `failed`. */
  failed: number;
  /** Expired slot leases returned to the capacity table. */
  reclaimed: number;
}

/** Runs {@link sweep} when this container has not in the last {@link SWEEP_EVERY_MS}. */
export async function maybeSweep(deps: SchedulerDeps): Promise<SweepResult | undefined> {
  const now = deps.clock.now();
  const state = containerState(deps);
  if (now - state.lastSweep < SWEEP_EVERY_MS) return undefined;
  state.lastSweep = now;
  return sweep(deps);
}

/**
 * Recovers what dead `call` invocations left (a crash, a timeout, an out-of-memory kill, or a
 * doorbell that never rang): their expired slot leases go back to the capacity table, their running
 * requests back to the queue (a claim lapses within `scheduler.claim_ttl_ms`), their stored but
 * unpublished answers out to Kafka. Every step is a conditional write, so sweepers racing each
 * other and late holders recover each thing once. (Aging needs no sweep: the queue's order
 * already counts waiting time, see `virtualTime` in lib/queue/key.ts.)
 */
export async function sweep(deps: SchedulerDeps): Promise<SweepResult> {
  const result: SweepResult = { requeued: 0, republished: 0, failed: 0, reclaimed: 0 };
  const now = deps.clock.now();
  const [reaped, lapsed] = await Promise.all([deps.store.reap(now), deps.queue.lapsed(now, SWEEP_LIMIT)]);
  result.reclaimed = reaped.reclaimed;
  for (const item of lapsed) await recover(deps, item, result);
  if (result.requeued + result.republished + result.reclaimed > 0) deps.logger.info('swept', { ...result });
  return result;
}

async function recover(deps: SchedulerDeps, item: QueueItem, result: SweepResult): Promise<void> {
  const owner = `${deps.ownerId}/${randomUUID()}`;
  const now = deps.clock.now();
  const claim = await deps.queue.claim(item.key, owner, ANSWER_CLAIM_MS, now);
  if (claim.kind === 'publish') {
    await new Answerer(deps).publishStored(claim.item, owner);
    result.republished += 1;
    return;
  }
  if (claim.kind !== 'claimed') return;
  const got = claim.item;
  // A request whose call keeps dying (it crashes the function, say) must not loop for ever.
  const counted = got.countedAttempts + 1;
  if (counted >= deps.config.scheduler.max_attempts) {
    const request = requestOf(got);
    const failure = failureFor(deps, got, request, 'model_error', `the call running this request stopped ${counted} times without answering`, { retryable: true });
    await new Answerer(deps).finish(got, owner, failure, request);
    result.failed += 1;
    return;
  }
  deps.metrics.add('recovered', { model: 'none', priority: got.priority });
  await deps.queue.requeue(got.key, owner, { ...got, countedAttempts: counted, notBefore: 0 }, now);
  result.requeued += 1;
}
