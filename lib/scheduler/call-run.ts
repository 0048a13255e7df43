import { mergeReports } from '../capacity/report.js';
import { cooldownMs } from '../capacity/rules.js';
import type { CallReport, Lease } from '../capacity/types.js';
import type { ModelConfig } from '../config/schema.js';
import type { AgentRequest } from '../contracts/request.js';
import { completedResult } from '../contracts/results.js';
import { backoffMs } from '../llm/backoff.js';
import { classifyError } from '../llm/errors.js';
import type { LlmCallError } from '../llm/errors.js';
import type { QueueItem } from '../queue/types.js';
import { Answerer, failureFor } from './answer.js';
import { FAILURE_CODE, failureReport, retryableCode, successReport } from './call-outcome.js';
import type { CallAssignment, CallEvent, Prefetched } from './call-event.js';
import type { InvocationContext, SchedulerDeps } from './deps.js';
import { dispatch } from './dispatch.js';
import { keyString, requestOf } from './entry.js';
import { handOff, prefetchNext } from './handoff.js';
import type { Prefetch } from './handoff.js';
import { adoptAssignment } from './adopt.js';
import { keepCallAlive } from './keepalive.js';
import { callModelStreaming } from './stream-publisher.js';

/** Shortest model call worth starting; with less time left the request goes back to the queue. */
export const MIN_CALL_MS = 1_000;

export interface CallSummary {
  /** Model calls made. */
  calls: number;
  completed: number;
  failed: number;
  /** Failed attempts put back in the queue for another try. */
  retried: number;
  /** Requests run on a slot handed on by a finished call. */
  handedOff: number;
  /** Assignments not run: their claim was no longer theirs (a duplicate doorbell, or it lapsed). */
  skipped: number;
}

/** What one run leaves for its slot. */
interface RunOutcome {
  report?: CallReport;
  /** False: release the slot (a 429 cooled the model down, or time ran out). */
  passOn: boolean;
  /** The request went back to the queue due at this time: someone must dispatch it then. */
  wakeAt?: number;
  /** The next requests for this slot, read while this one was answered. */
  prefetched?: Prefetch;
}

/**
 * The `call` function's core: for each assignment, run the request on its leased slot, answer it,
 * then hand the slot to the best waiting request that model can serve and run that one too, until
 * nothing fits or the invocation's time runs low. Throws only when Kafka or DynamoDB is down: what
 * it held then lapses and the sweep recovers it.
 */
export async function runCallEvent(event: CallEvent, deps: SchedulerDeps, invocation: InvocationContext, prefetched?: Prefetched): Promise<CallSummary> {
  const summary: CallSummary = { calls: 0, completed: 0, failed: 0, retried: 0, handedOff: 0, skipped: 0 };
  deps.metrics.add('call_start_delay_ms', { model: 'none', priority: 'none' }, Math.max(0, deps.clock.now() - event.sentAt));
  try {
    await Promise.all(event.calls.map((a) => new SlotRunner(deps, invocation, summary).run(a, prefetched?.get(keyString(a.key)))));
  } finally {
    deps.metrics.flush();
  }
  return summary;
}

class SlotRunner {
  private readonly answers: Answerer;
  private wakeAt: number | undefined;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly invocation: InvocationContext,
    private readonly summary: CallSummary,
  ) {
    this.answers = new Answerer(deps, { background: true });
  }

  async run(assignment: CallAssignment, prefetched?: QueueItem): Promise<void> {
    const adopted = await adoptAssignment(this.deps, this.invocation, assignment, prefetched);
    if (!adopted) {
      this.summary.skipped += 1;
      return;
    }
    let { item, owner } = adopted;
    let lease: Lease = assignment.lease;
    try {
      await this.chain(item, owner, lease, (next) => {
        ({ item, owner, lease } = next);
      });
    } catch (err) {
      // Kafka or DynamoDB failed mid-run: give the slot back now (best effort; otherwise its lease
      // lapses) — the request's claim lapses and the sweep puts it back or publishes its answer.
      await this.deps.store.release(lease).catch(() => false);
      throw err;
    } finally {
      await this.answers.settle();
    }
    await this.wakeLater();
  }

  private async chain(first: QueueItem, firstOwner: string, firstLease: Lease, moved: (next: { item: QueueItem; owner: string; lease: Lease }) => void): Promise<void> {
    let item = first;
    let owner = firstOwner;
    let lease = firstLease;
    // Statistics of calls this slot finished without writing its capacity item (see `keepsLease`).
    let unreported: CallReport | undefined;
    for (;;) {
      const outcome = await this.runOne(item, owner, lease);
      this.noteWake(outcome.wakeAt);
      const report = mergeReports(unreported, outcome.report);
      if (!outcome.passOn) {
        await this.deps.store.release(lease, report);
        this.noteWake((await dispatch(this.deps)).wakeAt);
        break;
      }
      const next = await handOff(this.deps, lease, report, this.invocation, this.minRunMs(), outcome.prefetched);
      if (!next) break;
      this.summary.handedOff += 1;
      ({ item, owner, lease, unreported } = next);
      moved(next);
    }
  }

  private noteWake(at: number | undefined): void {
    if (at !== undefined) this.wakeAt = Math.min(this.wakeAt ?? Infinity, at);
  }

  private minRunMs(): number {
    return MIN_CALL_MS + this.deps.config.scheduler.republish_margin_ms;
  }

  private async runOne(item: QueueItem, owner: string, lease: Lease): Promise<RunOutcome> {
    const now = this.deps.clock.now();
    const request = requestOf(item);
    const spec = (await this.deps.snapshots.get(1_000)).find((m) => m.spec.id === lease.modelId)?.spec;
    if (!request) return this.fail(item, owner, request, 'invalid_request', 'the queued request could not be read back');
    if (item.deadline <= now) return this.fail(item, owner, request, 'deadline_exceeded', 'the request passed its deadline before a model slot was free');
    // The invocation's time, not the request's: another invocation would have more of it.
    if (!spec || this.invocationLeftMs() < MIN_CALL_MS) {
      // The model left the registry, or this invocation is about to end: back to the queue.
      await this.deps.queue.requeue(item.key, owner, item, now);
      return { passOn: false, wakeAt: now };
    }
    // Close to its deadline: the call gets the time that is left (no invocation has more).
    const timeoutMs = this.callTimeout(spec, item);
    const attempts = item.attempts + 1;
    const started = now;
    const stop = keepCallAlive(this.deps, item.key, owner, lease);
    this.summary.calls += 1;
    let answer;
    try {
      answer = await callModelStreaming(this.deps, spec, request, item, attempts, { timeoutMs });
    } catch (err) {
      stop();
      return this.onFailure({ ...item, attempts }, owner, request, spec, classifyError(err), this.deps.clock.now() - started);
    }
    stop();
    const dims = { model: spec.id, priority: item.priority };
    this.deps.metrics.add('llm_latency_ms', dims, answer.latencyMs);
    this.deps.metrics.add('tokens_in', dims, answer.usage.prompt_tokens);
    this.deps.metrics.add('tokens_out', dims, answer.usage.completion_tokens);
    const result = completedResult(request, {
      modelId: spec.id,
      content: answer.content,
      usage: answer.usage,
      queuedMs: Math.max(0, started - item.firstSeen),
      llmMs: answer.latencyMs,
      attempts,
      toolCalls: answer.toolCalls,
      finishReason: answer.finishReason,
    });
    const prefetched = prefetchNext(this.deps, spec.id);
    if (await this.answers.finish({ ...item, attempts }, owner, result, request)) this.summary.completed += 1;
    return { report: successReport(answer), passOn: true, ...(prefetched ? { prefetched } : {}) };
  }

  private invocationLeftMs(): number {
    return this.invocation.remainingMs() - this.deps.config.scheduler.republish_margin_ms;
  }

  private callTimeout(spec: ModelConfig, item: QueueItem): number {
    const configured = spec.timeout_ms ?? this.deps.config.connection_pool.timeout * 1000;
    return Math.max(1, Math.min(configured, this.invocationLeftMs(), item.deadline - this.deps.clock.now()));
  }

  private async fail(item: QueueItem, owner: string, request: AgentRequest | undefined, code: 'invalid_request' | 'deadline_exceeded', message: string): Promise<RunOutcome> {
    if (await this.answers.finish(item, owner, failureFor(this.deps, item, request, code, message), request)) this.summary.failed += 1;
    return { passOn: true };
  }

  /**
   * A failed call: 429, 5xx, timeouts and connection errors go back to the queue (the failed model
   * last, after a full-jitter backoff — a 429 neither waits nor uses up an attempt: the model did no
   * work); other 4xx, and the last allowed attempt, are answered `failed` and dead-lettered.
   */
  private async onFailure(item: QueueItem, owner: string, request: AgentRequest, spec: ModelConfig, error: LlmCallError, latencyMs: number): Promise<RunOutcome> {
    const report = failureReport(error, latencyMs);
    const passOn = error.kind !== 'rate_limited';
    // Seen at once by this container's other slots, before this one's release writes it.
    if (error.kind === 'rate_limited') this.deps.snapshots.noteCooldown(spec.id, this.deps.clock.now() + (cooldownMs(1, report, this.deps.config.capacity.cooldown) ?? 0));
    const { max_attempts, backoff_base_ms, backoff_max_ms } = this.deps.config.scheduler;
    const counted = item.countedAttempts + (error.kind === 'rate_limited' ? 0 : 1);
    const code = FAILURE_CODE[error.kind];
    this.deps.logger.warn('model call failed', { modelId: spec.id, kind: error.kind, status: error.status, attempt: item.attempts, correlationId: item.key.correlationId });
    if (!error.retryable || counted >= max_attempts) {
      const failure = failureFor(this.deps, item, request, code, error.message, { modelId: spec.id, retryable: error.retryable });
      if (await this.answers.finish(item, owner, failure, request)) this.summary.failed += 1;
      return { report, passOn };
    }
    const now = this.deps.clock.now();
    const notBefore = error.kind === 'rate_limited' ? 0 : now + backoffMs(counted - 1, { baseMs: backoff_base_ms, maxMs: backoff_max_ms }, this.deps.random);
    await this.deps.queue.requeue(item.key, owner, {
      attempts: item.attempts,
      countedAttempts: counted,
      failedModels: [...new Set([...item.failedModels, spec.id])],
      notBefore,
      lastError: { code: retryableCode(code), message: error.message, modelId: spec.id },
    }, now);
    this.summary.retried += 1;
    this.deps.metrics.add('retried', { model: spec.id, priority: item.priority });
    return { report, passOn, wakeAt: Math.max(now, notBefore) };
  }

  /**
   * A request this invocation put back with a backoff is dispatched when it is due, and one that
   * waits for a model cooling down (a 429) when the cooldown ends, even if no other call finishes
   * meanwhile (an idle fleet would otherwise leave it waiting).
   */
  private async wakeLater(): Promise<void> {
    // Bounded: a model that keeps cooling down is left to the reaper's dispatch after a few rounds.
    for (let round = 0; round < 5 && this.wakeAt !== undefined; round++) {
      const waitMs = this.wakeAt - this.deps.clock.now();
      if (waitMs > this.invocation.remainingMs() - this.minRunMs()) return;
      this.wakeAt = undefined;
      if (waitMs > 0) await this.deps.clock.sleep(waitMs);
      this.noteWake((await dispatch(this.deps)).wakeAt);
    }
  }
}
