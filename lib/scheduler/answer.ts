import { failedResult } from '../contracts/results.js';
import type { AgentResult, ErrorCode } from '../contracts/result.js';
import type { AgentRequest } from '../contracts/request.js';
import type { QueueItem } from '../queue/types.js';
import type { SchedulerDeps } from './deps.js';
import { recordOf } from './entry.js';
import type { Outbox } from './outbox.js';

/**
 * After `complete`, the completer has this long to publish and mark the answer before another
 * invocation may publish the stored copy (flagged as a redelivery).
 */
export const PUBLISH_GRACE_MS = 15_000;

/**
 * Waits before the attempts of a publish mark after the first failed: 13.5 s in all, within
 * {@link PUBLISH_GRACE_MS} (a mark that lands after the grace is refused harmlessly: whoever took
 * the stored answer over owns the item then).
 */
export const MARK_RETRY_MS: readonly number[] = [500, 1_000, 2_000, 4_000, 4_000, 2_000];

/** The fields of a request a failed answer echoes; a corrupt item falls back to its key. */
function addressOf(item: QueueItem, request: AgentRequest | undefined) {
  return request ?? { id: item.key.id, correlation_id: item.key.correlationId, priority: item.priority, task_type: item.taskType };
}

/** A `failed` result for an item, with its queue time and attempts. */
export function failureFor(
  deps: Pick<SchedulerDeps, 'clock'>,
  item: QueueItem,
  request: AgentRequest | undefined,
  code: ErrorCode,
  message: string,
  extra: { modelId?: string; retryable?: boolean } = {},
): AgentResult {
  return failedResult(addressOf(item, request), {
    code,
    message,
    modelId: extra.modelId ?? null,
    retryable: extra.retryable ?? false,
    queuedMs: Math.max(0, deps.clock.now() - item.firstSeen),
    attempts: item.attempts,
  });
}

/**
 * A failed answer goes to the dead-letter topic too, for an operator to look at — except a request
 * that merely ran out of time before a slot was free (nothing about it is wrong).
 */
export function needsDeadLetter(result: AgentResult): boolean {
  return result.status === 'failed' && result.error !== undefined && result.error.code !== 'deadline_exceeded';
}

/**
 * Answers queue items exactly once: store the result (`complete`, which only the claim's owner can
 * do), publish it, dead-letter a failure, mark it published. A holder that lost its claim (it
 * lapsed during a stall and another took the request over) stays silent.
 */
export class Answerer {
  private readonly outbox: Outbox;
  /** Published marks still being written (see `settle`). */
  private readonly marking = new Set<Promise<void>>();

  /**
   * `background`: publish marks are written while the caller goes on (it must `settle()` before its
   * invocation ends); otherwise each answer returns once marked.
   */
  constructor(
    private readonly deps: SchedulerDeps,
    private readonly opts: { background?: boolean } = {},
  ) {
    this.outbox = deps.outbox;
  }

  /** Stores, publishes and marks `result`; false when `owner` no longer held the request. */
  async finish(item: QueueItem, owner: string, result: AgentResult, request: AgentRequest | undefined): Promise<boolean> {
    const { queue, clock, metrics } = this.deps;
    if (!(await queue.complete(item.key, owner, result, PUBLISH_GRACE_MS, clock.now()))) {
      metrics.add('duplicates', { model: result.model_id ?? 'none', priority: item.priority });
      this.deps.logger.warn('claim lost before the answer was stored; staying silent', { correlationId: item.key.correlationId });
      return false;
    }
    await this.publish(item, owner, result, request?.reply_topic, false);
    const dims = { model: result.model_id ?? 'none', priority: item.priority };
    metrics.add(result.status === 'completed' ? 'completed' : 'failed', dims);
    return true;
  }

  /** A stored answer whose publisher died before marking it (taken over by `claim` → `publish`). */
  async publishStored(item: QueueItem, owner: string): Promise<void> {
    const stored = item.result;
    if (!stored) {
      this.deps.logger.warn('stored result unavailable; not re-published', { correlationId: item.key.correlationId });
      await this.deps.queue.markPublished(item.key, owner, this.deps.clock.now());
      return;
    }
    const replyTopic = typeof item.request['reply_topic'] === 'string' ? item.request['reply_topic'] : undefined;
    this.deps.metrics.add('redelivered', { model: stored.model_id ?? 'none', priority: item.priority });
    await this.publish(item, owner, stored, replyTopic, true);
  }

  private async publish(item: QueueItem, owner: string, result: AgentResult, replyTopic: string | undefined, redelivery: boolean): Promise<void> {
    try {
      await this.publishOnce(item, result, replyTopic, redelivery);
    } catch (err) {
      // Kafka is down: end our publish grace, so the sweep publishes the stored answer as soon as it
      // can instead of waiting the grace out (the same answer; never a second model call).
      await this.deps.queue.extend(item.key, owner, -1, this.deps.clock.now()).catch(() => false);
      throw err;
    }
    // The agent has its answer: the mark is written while the slot moves on (`settle` waits for
    // it before the invocation ends). A mark that fails leaves the stored answer to be published
    // again, flagged, once the grace is over — never lost.
    const mark: Promise<void> = this.mark(item, owner).finally(() => this.marking.delete(mark));
    this.marking.add(mark);
    if (!this.opts.background) await mark;
  }

  /**
   * Writes the published mark, trying again while the table is away ({@link MARK_RETRY_MS}, within
   * the publish grace): a short outage then ends with the mark written rather than the stored
   * answer published a second time by the sweep.
   */
  private async mark(item: QueueItem, owner: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.queue.markPublished(item.key, owner, this.deps.clock.now());
        return;
      } catch (err) {
        const wait = MARK_RETRY_MS[attempt];
        if (wait === undefined) {
          this.deps.logger.warn('publish mark failed; the sweep re-publishes the stored answer', { correlationId: item.key.correlationId, error: (err as Error).message });
          return;
        }
        await this.deps.clock.sleep(wait);
      }
    }
  }

  /** Resolves when every publish mark this answerer started is written. */
  async settle(): Promise<void> {
    while (this.marking.size > 0) await Promise.all([...this.marking]);
  }

  private async publishOnce(item: QueueItem, result: AgentResult, replyTopic: string | undefined, redelivery: boolean): Promise<void> {
    const record = recordOf(item);
    // An invalid record with no recoverable correlation id is answered by its dead letter only.
    if (result.correlation_id) await this.outbox.publishResult(result, replyTopic, record.key, redelivery);
    if (needsDeadLetter(result)) {
      // The result's own id and correlation id (an invalid record's item is keyed by its topic
      // position, which is not the agent's): absent when the record had none.
      const partial = { ...(result.id ? { id: result.id } : {}), ...(result.correlation_id ? { correlation_id: result.correlation_id } : {}), priority: item.priority };
      await this.outbox.deadLetter(record, result.error!, partial, result.attempts ?? item.attempts);
    }
  }
}
