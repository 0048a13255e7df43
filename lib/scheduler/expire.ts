import { randomUUID } from 'node:crypto';
import type { ModelSnapshot } from '../capacity/types.js';
import type { QueueItem } from '../queue/types.js';
import { eligibleModels } from '../routing/eligible.js';
import { Answerer, failureFor } from './answer.js';
import type { SchedulerDeps } from './deps.js';
import { requestOf } from './entry.js';

/** A claim taken only to answer (no model call follows) outlives the answer's writes by this much. */
export const ANSWER_CLAIM_MS = 15_000;

/**
 * Answers waiting requests that will never run: past their deadline (`deadline_exceeded`, no model
 * call), or asking for a task or model nothing in the fleet serves (`no_capable_model`).
 */
export class Expirer {
  private readonly answers: Answerer;

  constructor(private readonly deps: SchedulerDeps) {
    this.answers = new Answerer(deps);
  }

  /** True when this call answered the item (false: another dispatcher had it first). */
  async answer(item: QueueItem, fleet: readonly ModelSnapshot[], now: number): Promise<boolean> {
    const owner = `${this.deps.ownerId}/${randomUUID()}`;
    const claim = await this.deps.queue.claim(item.key, owner, ANSWER_CLAIM_MS, now);
    if (claim.kind === 'publish') {
      await this.answers.publishStored(claim.item, owner);
      return true;
    }
    if (claim.kind !== 'claimed') return false;
    const request = requestOf(claim.item);
    const reason = eligibleModels({ task_type: item.taskType, model_id: item.modelId }, fleet, now).reason;
    const result =
      item.deadline <= now
        ? failureFor(this.deps, claim.item, request, 'deadline_exceeded', 'the request passed its deadline before a model slot was free')
        : reason === 'unknown_model'
          ? failureFor(this.deps, claim.item, request, 'no_capable_model', `model ${item.modelId ?? ''} is not configured`)
          : failureFor(this.deps, claim.item, request, 'no_capable_model', `no configured model supports ${item.taskType}`);
    return this.answers.finish(claim.item, owner, result, request);
  }
}
