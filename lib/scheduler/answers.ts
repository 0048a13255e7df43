import { failedResult } from '../contracts/results.js';
import type { AgentResult, ErrorCode } from '../contracts/result.js';
import type { SchedulerDeps } from './deps.js';
import type { BatchSummary } from './dispatcher.js';
import type { Job } from './job.js';
import type { ClaimOutcome } from './ledger.js';
import type { Outbox } from './outbox.js';

/** A claim taken only to answer (no model call follows) outlives the answer's writes by this much. */
export const CLAIM_MARGIN_MS = 15_000;

/**
 * Answers jobs exactly once through the request ledger: claim (if not yet ours), store the
 * result, publish it, dead-letter when asked, mark it published. Another invocation that answered
 * first wins, and this one stays silent. One instance per batch.
 */
export class Answers {
  /** Jobs whose ledger claim this invocation holds. */
  readonly claimed = new Set<Job>();

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly outbox: Outbox,
    private readonly summary: BatchSummary,
    /** Called when another live invocation holds the job: the dispatcher watches it. */
    private readonly onBusy: (job: Job, until: number) => void,
  ) {}

  /** A `failed` result for `job`, with its queue time and attempts. */
  failure(job: Job, code: ErrorCode, message: string, extra: { modelId?: string; retryable?: boolean } = {}): AgentResult {
    return failedResult(job.request, {
      code,
      message,
      modelId: extra.modelId ?? null,
      retryable: extra.retryable ?? false,
      queuedMs: Math.max(0, this.deps.clock.now() - job.firstSeen),
      attempts: job.attempts,
    });
  }

  /** A request already answered (a redelivery): publish the stored result only if it never went out. */
  async handleDone(job: Job, outcome: Extract<ClaimOutcome, { kind: 'done' }>): Promise<void> {
    this.summary.duplicates += 1;
    this.deps.metrics.add('duplicates', { model: outcome.result?.model_id ?? 'none', priority: job.request.priority });
    if (outcome.published) return;
    // Answered but the publish may not have happened (crash or outage in between): publish the
    // stored result, and its dead letter when it has one (a repeated dead letter is possible when
    // the first went out just before the interruption; a missing one is not).
    const stored = outcome.result;
    if (stored) {
      await this.outbox.publishResult(stored, job.request.reply_topic, job.record.key);
      if (needsDeadLetter(stored)) await this.outbox.deadLetter(job.record, stored.error!, job.request, stored.attempts ?? job.attempts);
    } else this.deps.logger.warn('stored result unavailable; not re-published', { correlationId: job.key.correlationId });
    await this.deps.ledger.markPublished(job.key);
  }

  /** Stores, publishes and marks the answer; a failed one (bar `deadline_exceeded`) is also dead-lettered. */
  async finish(job: Job, result: AgentResult): Promise<void> {
    if (!this.claimed.has(job)) {
      const claim = await this.deps.ledger.claim(job.key, this.deps.ownerId, CLAIM_MARGIN_MS);
      if (claim.kind === 'done') return this.handleDone(job, claim);
      if (claim.kind === 'busy') return this.onBusy(job, claim.until);
      this.claimed.add(job);
    }
    const won = await this.deps.ledger.complete(job.key, result, this.deps.ownerId);
    if (!won) {
      this.claimed.delete(job);
      this.summary.duplicates += 1;
      return;
    }
    // Still ours until marked published: a shutdown meanwhile ends our publish grace (`abandon`).
    await this.outbox.publishResult(result, job.request.reply_topic, job.record.key);
    const dims = { model: result.model_id ?? 'none', priority: job.request.priority };
    if (result.status === 'completed') {
      this.summary.completed += 1;
      this.deps.metrics.add('completed', dims);
    } else {
      this.summary.failed += 1;
      this.deps.metrics.add('failed', dims);
      if (needsDeadLetter(result)) {
        await this.outbox.deadLetter(job.record, result.error!, job.request, job.attempts);
        this.summary.deadLettered += 1;
      }
    }
    await this.deps.ledger.markPublished(job.key);
    this.claimed.delete(job);
  }

  /** Gives up the claims of jobs handed to a later invocation (or of all, on shutdown). */
  async abandon(jobs: Iterable<Job>): Promise<void> {
    const mine = [...jobs].filter((job) => this.claimed.delete(job));
    await Promise.allSettled(mine.map((job) => this.deps.ledger.abandon(job.key, this.deps.ownerId)));
  }
}

/**
 * A failed answer goes to the dead-letter topic too, for an operator to look at — except a request
 * that merely ran out of time before a slot was free (nothing about it is wrong).
 */
export function needsDeadLetter(result: AgentResult): boolean {
  return result.status === 'failed' && result.error !== undefined && result.error.code !== 'deadline_exceeded';
}
