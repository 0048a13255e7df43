import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { DemandMarks, demandBlocks } from '../capacity/demand.js';
import type { CallReport, DemandPriority, HandOffOutcome, Lease, ModelSnapshot } from '../capacity/types.js';
import type { Priority } from '../contracts/request.js';
import { isCoolingDown, eligibleModels } from '../routing/eligible.js';
import { backoffMs } from '../llm/backoff.js';
import { classifyError } from '../llm/errors.js';
import type { LlmCallError } from '../llm/errors.js';
import { completedResult } from '../contracts/results.js';
import { toError } from '../errors/index.js';
import type { InvocationContext, SchedulerDeps } from './deps.js';
import { PRIORITY_RANK, admissionPriority, canServe } from './job.js';
import type { Job } from './job.js';
import { Answers, CLAIM_MARGIN_MS } from './answers.js';
import { FAILURE_CODE, failureReport, retryableCode, successReport } from './call-outcome.js';
import type { Outbox } from './outbox.js';
import { keepCallAlive } from './keepalive.js';
import { JobQueue } from './queue.js';
import { candidates, estimateTokens, nextFor, slotLimit } from './selection.js';
import type { SelectionContext } from './selection.js';

/** Shortest model call worth starting; with less time left the request is deferred instead. */
const MIN_CALL_MS = 1_000;
/** How often a duplicate held by another invocation is looked at again. */
const WATCH_INTERVAL_MS = 500;
const POLL_MIN_MS = 20;
/** How stale a fleet snapshot may be when choosing which writes to try. */
const SNAPSHOT_MAX_AGE_MS = 50;
const POLL_MAX_MS = 250;
/** Poll ceiling while this invocation holds demand marks: slots freed for it are held back from others. */
const POLL_DEMAND_MAX_MS = 50;

export interface BatchSummary {
  records: number;
  completed: number;
  failed: number;
  deadLettered: number;
  duplicates: number;
  deferred: number;
}

export function emptySummary(records: number): BatchSummary {
  return { records, completed: 0, failed: 0, deadLettered: 0, duplicates: 0, deferred: 0 };
}

/**
 * Runs the admitted part of one batch: every job leases a slot (priority order, then deadline),
 * calls its model concurrently with the others, and is answered exactly once — or re-published
 * when the invocation's time runs out. One instance per invocation.
 */
export class BatchDispatcher {
  private queue = new JobQueue();
  private readonly selection: SelectionContext;
  private readonly active = new Set<Promise<void>>();
  /** Jobs whose call is under way, with the priority they were admitted as. */
  private readonly running = new Map<Job, Priority>();
  private readonly answers: Answers;
  private snapshots = new Map<string, ModelSnapshot>();
  private fatal: Error | undefined;
  private wakeUp: (() => void) | undefined;
  private pollMs = POLL_MIN_MS;
  private readonly abort = new AbortController();
  private readonly started: number;
  private readonly demand: DemandMarks;
  /** The job `admit` is working on: a hand-off must not take it meanwhile. */
  private admitting: Job | undefined;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly outbox: Outbox,
    private readonly invocation: InvocationContext,
    private readonly summary: BatchSummary,
  ) {
    this.started = deps.clock.now();
    this.selection = { router: deps.router, config: deps.config };
    // Every concurrent model call listens on this one signal; as many calls as slots is expected.
    setMaxListeners(0, this.abort.signal);
    this.demand = new DemandMarks(deps.store);
    this.answers = new Answers(deps, outbox, summary, (job, until) => this.watch(job, until));
  }

  async run(jobs: Job[]): Promise<void> {
    this.queue = new JobQueue(jobs);
    await this.screenDuplicates();
    // Requests held by another invocation are watched, not dropped: that holder may have died.
    if (this.queue.empty) return;
    await this.refreshSnapshots();
    try {
      await this.loop();
    } catch (err) {
      await this.shutdown();
      throw err;
    }
    // Nothing waits here any more: give the models back to lower priorities at once.
    await this.demand.settle(this.deps.clock.now());
  }

  private get margin(): number {
    return this.deps.config.scheduler.republish_margin_ms;
  }

  private async loop(): Promise<void> {
    for (;;) {
      this.throwIfFatal();
      if (this.queue.empty && this.active.size === 0) return;
      const now = this.deps.clock.now();
      if (this.invocation.remainingMs() - this.margin < MIN_CALL_MS) {
        await this.deferAll();
        // A call that failed while deferAll awaited its writes may have put its job back in the
        // queue: only an empty queue with nothing running means done (the next round defers it).
        if (this.queue.empty && this.active.size === 0) return;
        if (this.active.size > 0) await this.sleep(POLL_MAX_MS);
        continue;
      }
      await this.expireDeadlines(now);
      await this.checkWatching(now);
      const admitted = await this.admit(now);
      await this.demand.settle(now, (modelId, priority) => this.stillWaitingFor(modelId, priority, now));
      if (this.queue.empty && this.active.size === 0) return;
      const ceiling = this.demand.holding(now) ? POLL_DEMAND_MAX_MS : POLL_MAX_MS;
      this.pollMs = admitted ? POLL_MIN_MS : Math.min(ceiling, this.pollMs * 1.5);
      await this.sleep(this.pollMs * (0.5 + this.deps.random()));
      // Other invocations release slots too: look at the table again before the next round.
      if (this.queue.waiting.length > 0) await this.refreshSnapshots();
    }
  }

  /** Waits `ms`, or less when an active call finishes (its slot goes to the next job at once). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private throwIfFatal(): void {
    if (this.fatal !== undefined) throw this.fatal;
  }

  private async refreshSnapshots(): Promise<void> {
    const list = await this.deps.snapshots.get(SNAPSHOT_MAX_AGE_MS);
    this.snapshots = new Map(list.map((s) => [s.spec.id, s]));
  }

  /** Drops requests already answered (a redelivery) before they wait for a slot. */
  private async screenDuplicates(): Promise<void> {
    const jobs = [...this.queue.waiting];
    const outcomes = await this.deps.ledger.peekMany(jobs.map((job) => job.key));
    for (const [i, job] of jobs.entries()) {
      const o = outcomes[i]!;
      if (o.kind === 'done') {
        this.queue.remove(job);
        await this.answers.handleDone(job, o);
      } else if (o.kind === 'busy') this.watch(job, o.until);
    }
  }

  private watch(job: Job, until: number): void {
    this.queue.watch(job, Math.min(until, this.deps.clock.now() + WATCH_INTERVAL_MS));
  }

  /** Duplicates held by another invocation: look again every WATCH_INTERVAL_MS until answered or free. */
  private async checkWatching(now: number): Promise<void> {
    for (const job of this.queue.dueWatched(now)) {
      const o = await this.deps.ledger.peek(job.key);
      if (o.kind === 'busy') {
        job.nextWatch = now + WATCH_INTERVAL_MS;
        continue;
      }
      if (o.kind === 'done') {
        this.queue.remove(job);
        await this.answers.handleDone(job, o);
      } else this.queue.enqueue(job);
    }
  }

  private async expireDeadlines(now: number): Promise<void> {
    for (const job of this.queue.takeExpired(now)) {
      await this.answers.finish(job, this.answers.failure(job, 'deadline_exceeded', 'the request passed its deadline before a model slot was free'));
    }
  }

  /**
   * One admission round over the waiting jobs, in priority order. Returns true if any was admitted.
   * A high- or medium-priority job refused because its models are full marks demand on them.
   */
  private async admit(now: number): Promise<boolean> {
    let admitted = false;
    // Model id → best (lowest) priority rank refused this round: lower priorities skip it.
    const refused = new Map<string, number>();
    const wanted = new Map<string, readonly [string, DemandPriority]>();
    for (const job of this.queue.waiting) {
      // A finished call may have handed its slot to this job while we awaited a write.
      if (job.notBefore > now || !this.queue.isWaiting(job)) continue;
      const { eligible, reason } = eligibleModels(job.request, [...this.snapshots.values()], now);
      if (reason) {
        this.queue.remove(job);
        const message = reason === 'unknown_model' ? `model ${job.request.model_id ?? ''} is not configured` : `no configured model supports ${job.request.task_type}`;
        await this.answers.finish(job, this.answers.failure(job, 'no_capable_model', message));
        continue;
      }
      const priority = admissionPriority(job, now, this.deps.config.scheduler.aging_ms);
      const full: string[] = [];
      this.admitting = job;
      try {
        if (await this.admitOne(job, priority, eligible, refused, full, now)) {
          admitted = true;
          continue;
        }
      } finally {
        this.admitting = undefined;
      }
      if (priority !== 'low') for (const id of full) wanted.set(`${priority}:${id}`, [id, priority]);
    }
    await this.demand.mark(wanted.values(), now, (id, p) => this.snapshots.get(id)?.state.demandUntil?.[p] ?? 0);
    return admitted;
  }

  /** Tries the job's models in routing order; `full` collects those full for its priority. */
  private async admitOne(job: Job, priority: Priority, eligible: ModelSnapshot[], refused: Map<string, number>, full: string[], now: number): Promise<boolean> {
    const rank = PRIORITY_RANK[priority];
    for (const model of candidates(this.selection, job, eligible, now)) {
      const id = model.spec.id;
      if (isCoolingDown(model, now)) continue;
      const refusedRank = refused.get(id);
      if (refusedRank !== undefined && rank >= refusedRank) continue;
      const limit = slotLimit(this.selection, model, priority);
      // Full for this priority, or held for a higher one: no write until the table says otherwise.
      if (model.state.inFlight >= limit || demandBlocks(model, priority, now)) {
        refused.set(id, Math.min(refusedRank ?? rank, rank));
        full.push(id);
        continue;
      }
      const outcome = await this.deps.store.acquire({ modelId: id, priority, leaseId: randomUUID(), estimatedTokens: estimateTokens(job) });
      if (outcome.granted) {
        model.state.inFlight += 1;
        this.queue.remove(job);
        this.start(job, model, outcome.lease);
        return true;
      }
      refused.set(id, Math.min(refusedRank ?? rank, rank));
      if (outcome.reason === 'full') {
        // Full for this priority: skip it until the next read of the table says otherwise.
        model.state.inFlight = Math.max(model.state.inFlight, limit);
        full.push(id);
      }
      if (outcome.reason === 'cooldown' || outcome.reason === 'rate_limited') {
        model.state.cooldownUntil = Math.max(model.state.cooldownUntil, now + (outcome.retryAfterMs ?? POLL_MAX_MS));
      }
    }
    return false;
  }

  /**
   * True while the demand behind a mark lasts: a job of that priority that could use the model is
   * waiting, or still running — its batch is not done, and the next batch of the same topic (which
   * this invocation cannot see yet) usually brings more of the same work.
   */
  private stillWaitingFor(modelId: string, priority: DemandPriority, now: number): boolean {
    const model = this.snapshots.get(modelId);
    if (!model) return false;
    const agingMs = this.deps.config.scheduler.aging_ms;
    if (this.queue.waiting.some((j) => canServe(j, model.spec) && admissionPriority(j, now, agingMs) === priority)) return true;
    for (const [job, admittedAs] of this.running) if (admittedAs === priority && canServe(job, model.spec)) return true;
    return false;
  }

  private start(job: Job, model: ModelSnapshot, lease: Lease): void {
    const now = this.deps.clock.now();
    const dims = { model: model.spec.id, priority: job.request.priority };
    this.deps.metrics.add('admitted', dims);
    this.deps.metrics.add('queue_wait_ms', dims, Math.max(0, now - job.firstSeen));
    this.deps.metrics.add('admission_wait_ms', dims, now - this.started);
    this.running.set(job, lease.priority);
    const p: Promise<void> = this.execute(job, model, lease)
      .catch((err: unknown) => {
        this.fatal ??= toError(err);
      })
      .finally(() => {
        this.active.delete(p);
        this.running.delete(job);
        this.wake();
      });
    this.active.add(p);
  }

  private callTimeout(job: Job, model: ModelSnapshot): number {
    const configured = model.spec.timeout_ms ?? this.deps.config.connection_pool.timeout * 1000;
    const left = this.invocation.remainingMs() - this.margin;
    return Math.max(MIN_CALL_MS, Math.min(configured, left, job.deadline - this.deps.clock.now()));
  }

  /** Claim, call, release, answer (or requeue for another model). Throws only on infrastructure failure. */
  private async execute(job: Job, model: ModelSnapshot, lease: Lease): Promise<void> {
    const timeoutMs = this.callTimeout(job, model);
    // Short and renewed while the call runs (every third of it): a holder that dies holds the
    // request for at most `claim_ttl_ms`, not for the whole call timeout.
    const claimTtl = Math.min(timeoutMs + CLAIM_MARGIN_MS, this.deps.config.scheduler.claim_ttl_ms);
    const claim = await this.deps.ledger.claim(job.key, this.deps.ownerId, claimTtl);
    if (claim.kind !== 'claimed') {
      await this.release(model, lease);
      if (claim.kind === 'done') await this.answers.handleDone(job, claim);
      else this.watch(job, claim.until);
      return;
    }
    this.answers.claimed.add(job);
    job.attempts += 1;
    const started = this.deps.clock.now();
    const stopKeepAlive = keepCallAlive(this.deps, job, lease, claimTtl);
    let answer;
    try {
      answer = await this.deps.llm.call(model.spec, job.request, { timeoutMs, signal: this.abort.signal });
    } catch (err) {
      stopKeepAlive();
      await this.onCallFailure(job, model, lease, classifyError(err), this.deps.clock.now() - started);
      return;
    }
    stopKeepAlive();
    await this.passOn(model, lease, successReport(answer));
    const dims = { model: model.spec.id, priority: job.request.priority };
    this.deps.metrics.add('llm_latency_ms', dims, answer.latencyMs);
    this.deps.metrics.add('tokens_in', dims, answer.usage.prompt_tokens);
    this.deps.metrics.add('tokens_out', dims, answer.usage.completion_tokens);
    const result = completedResult(job.request, {
      modelId: model.spec.id,
      content: answer.content,
      usage: answer.usage,
      queuedMs: Math.max(0, started - job.firstSeen),
      llmMs: answer.latencyMs,
      attempts: job.attempts,
    });
    await this.answers.finish(job, result);
  }

  private async onCallFailure(job: Job, model: ModelSnapshot, lease: Lease, error: LlmCallError, latencyMs: number): Promise<void> {
    const report = failureReport(error, latencyMs);
    // A 429 cools the model down: its slot is not passed on.
    if (error.kind === 'rate_limited') await this.release(model, lease, report);
    else await this.passOn(model, lease, report);
    if (this.abort.signal.aborted) return;
    const now = this.deps.clock.now();
    if (error.kind === 'rate_limited') {
      model.state.cooldownUntil = Math.max(model.state.cooldownUntil, now + (error.retryAfterMs ?? this.deps.config.capacity.cooldown.base_ms));
    }
    const code = FAILURE_CODE[error.kind];
    this.deps.logger.warn('model call failed', { modelId: model.spec.id, kind: error.kind, status: error.status, attempt: job.attempts, correlationId: job.key.correlationId });
    // A 429 means the model did no work: it moves the request elsewhere without using up an
    // attempt (the deadline still bounds it). Other failures count toward max_attempts.
    if (error.kind !== 'rate_limited') job.countedAttempts += 1;
    if (!error.retryable || job.countedAttempts >= this.deps.config.scheduler.max_attempts) {
      await this.answers.finish(job, this.answers.failure(job, code, error.message, { modelId: model.spec.id, retryable: error.retryable }));
      return;
    }
    job.lastError = { code: retryableCode(code), message: error.message, modelId: model.spec.id };
    job.failedModels.add(model.spec.id);
    const { backoff_base_ms, backoff_max_ms } = this.deps.config.scheduler;
    job.notBefore = now + backoffMs(Math.max(0, job.countedAttempts - 1), { baseMs: backoff_base_ms, maxMs: backoff_max_ms }, this.deps.random);
    this.deps.metrics.add('retried', { model: model.spec.id, priority: job.request.priority });
    this.queue.enqueue(job);
  }

  private async release(model: ModelSnapshot, lease: Lease, report?: CallReport): Promise<void> {
    await this.deps.store.release(lease, report);
    model.state.inFlight = Math.max(0, model.state.inFlight - 1);
    this.wake();
  }

  /**
   * A finished call's slot goes to the best waiting job that can use the model, in one write
   * (`CapacityStore.handOff`: release + acquire at once, in-flight unchanged). Released when no job
   * fits or the store refuses the job (the store then releases it itself).
   */
  private async passOn(model: ModelSnapshot, lease: Lease, report: CallReport): Promise<void> {
    const now = this.deps.clock.now();
    const current = this.snapshots.get(model.spec.id) ?? model;
    const next = this.canStartCalls() ? nextFor(this.selection, current, this.queue.waiting, [...this.snapshots.values()], now, this.admitting) : undefined;
    if (!next) return this.release(model, lease, report);
    // Taken out of the queue while the write is in flight, so the admission loop leaves it alone.
    this.queue.remove(next.job);
    let out: HandOffOutcome;
    try {
      out = await this.deps.store.handOff(lease, report, { modelId: current.spec.id, priority: next.priority, leaseId: randomUUID(), estimatedTokens: estimateTokens(next.job) });
    } catch (err) {
      this.queue.enqueue(next.job);
      throw err;
    }
    if (out.granted && !this.abort.signal.aborted) {
      this.deps.metrics.add('handed_off', { model: current.spec.id, priority: next.job.request.priority });
      this.start(next.job, current, out.lease);
      return;
    }
    // Shutting down meanwhile: the slot is freed, the job is left to the batch's retry.
    if (out.granted) await this.deps.store.release(out.lease);
    this.queue.enqueue(next.job);
    current.state.inFlight = Math.max(0, current.state.inFlight - 1);
    if (!out.granted && out.reason === 'full') current.state.inFlight = Math.max(current.state.inFlight, slotLimit(this.selection, current, next.priority));
    this.wake();
  }

  private canStartCalls(): boolean {
    return !this.abort.signal.aborted && this.fatal === undefined && this.invocation.remainingMs() - this.margin >= MIN_CALL_MS;
  }

  /** The invocation is about to end: put every waiting request back on its topic. */
  private async deferAll(): Promise<void> {
    const jobs = this.queue.drain();
    if (jobs.length === 0) return;
    const limit = this.deps.config.scheduler.max_republish;
    const exhausted = jobs.filter((j) => j.republished >= limit);
    const again = jobs.filter((j) => j.republished < limit);
    for (const job of exhausted) await this.failExhausted(job, limit);
    // An exhausted job another invocation holds cannot be failed here; its holder may die, so it
    // goes back on its topic too rather than being dropped with this batch.
    again.push(...this.queue.drainWatched());
    await this.outbox.republish(again);
    this.summary.deferred += again.length;
    await this.answers.abandon(again);
  }

  /** A job re-published `limit` times already: answered with its last error and dead-lettered. */
  private async failExhausted(job: Job, limit: number): Promise<void> {
    const last = job.lastError;
    const failure = this.answers.failure(job, last?.code ?? 'capacity_unavailable', last?.message ?? `no model slot became free after ${limit} re-publications`, {
      ...(last ? { modelId: last.modelId } : {}),
      retryable: true,
    });
    await this.answers.finish(job, failure);
  }

  /** Infrastructure failure: stop calls, free every slot and claim, let the batch be retried. */
  private async shutdown(): Promise<void> {
    this.abort.abort();
    // A hand-off in flight may still start a call: wait until none is left.
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
    await this.answers.abandon([...this.answers.claimed]);
  }
}
