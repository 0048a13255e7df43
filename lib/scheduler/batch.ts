import { randomUUID } from 'node:crypto';
import { decodeRequest } from '../contracts/decode.js';
import type { PartialRequest } from '../contracts/decode.js';
import type { AgentResult } from '../contracts/result.js';
import { failedResult } from '../contracts/results.js';
import { InfrastructureError } from '../errors/index.js';
import type { InvalidRequestError } from '../errors/index.js';
import type { DecodedRecord } from '../kafka/event.js';
import type { InvocationContext, SchedulerDeps } from './deps.js';
import { BatchDispatcher, emptySummary } from './dispatcher.js';
import type { BatchSummary } from './dispatcher.js';
import { buildJob, jobKeyString } from './job.js';
import type { Job } from './job.js';
import { Outbox } from './outbox.js';

export type { BatchSummary } from './dispatcher.js';

/**
 * The scheduler's one entry point: answers every record of a batch exactly once — a result, a
 * re-publication for a later invocation, or (for bad input) a failed result plus a dead letter.
 * Returns normally unless Kafka or DynamoDB is down; then it throws so the batch is retried.
 */
export async function processBatch(records: DecodedRecord[], containerDeps: SchedulerDeps, invocation: InvocationContext): Promise<BatchSummary> {
  // Ledger claims belong to this invocation, not to the container: two batches in flight in one
  // process (the local runner, or an agent that sent a request twice) must not both own a request.
  const deps: SchedulerDeps = { ...containerDeps, ownerId: `${containerDeps.ownerId}/${randomUUID()}` };
  const outbox = new Outbox(deps.config, deps.publisher, deps.metrics, deps.logger);
  const summary = emptySummary(records.length);
  const jobs: Job[] = [];
  const seen = new Set<string>();
  try {
    for (const record of records) {
      const decoded = decodeRequest(record.value, record.headers);
      if (!decoded.ok) {
        await rejectRecord(record, decoded.error, decoded.partial, deps, outbox, summary, invocation);
        continue;
      }
      const job = buildJob(record, decoded.request, decoded.raw, deps.config.scheduler.default_timeout_ms);
      const key = jobKeyString(job.key);
      if (seen.has(key)) {
        // The same request twice in one batch: the first copy is answered, this one is not.
        summary.duplicates += 1;
        deps.metrics.add('duplicates', { model: 'none', priority: job.request.priority });
        continue;
      }
      seen.add(key);
      jobs.push(job);
    }
    await new BatchDispatcher(deps, outbox, invocation, summary).run(jobs);
    deps.logger.info('batch done', { ...summary });
    return summary;
  } finally {
    deps.metrics.flush();
  }
}

/** Answering an invalid record takes a few writes: its claim is short, so a dead holder's lapses soon. */
const INVALID_CLAIM_TTL_MS = 5_000;

/**
 * A record that is not a valid request: a `failed` result when it can be addressed (a correlation
 * id was recovered) and always a dead letter with the raw bytes. Keyed by its position in the
 * topic, so a redelivered batch does not answer it twice; a stored answer whose publication failed
 * is published by the redelivery. Another invocation's claim is waited out (it is short), never
 * taken as an answer.
 */
async function rejectRecord(
  record: DecodedRecord,
  error: InvalidRequestError,
  partial: PartialRequest,
  deps: SchedulerDeps,
  outbox: Outbox,
  summary: BatchSummary,
  invocation: InvocationContext,
): Promise<void> {
  const position = `invalid:${record.topic}:${record.partition}:${record.offset}`;
  const key = { id: position, correlationId: position };
  const result = failedResult(partial, { code: 'invalid_request', message: error.message, field: error.field });
  const publish = async (answer: AgentResult): Promise<void> => {
    if (partial.correlation_id) await outbox.publishResult(answer, partial.reply_topic, record.key);
    await outbox.deadLetter(record, answer.error ?? result.error!, partial, 0);
    await deps.ledger.markPublished(key);
  };
  for (;;) {
    const claim = await deps.ledger.claim(key, deps.ownerId, INVALID_CLAIM_TTL_MS);
    if (claim.kind === 'claimed') break;
    if (claim.kind === 'done') {
      summary.duplicates += 1;
      // Answered, but the publication may have failed (an outage, a crash): publish the stored answer.
      if (!claim.published) await publish(claim.result ?? result);
      return;
    }
    const waitMs = Math.max(10, claim.until - deps.clock.now() + 10);
    if (waitMs > invocation.remainingMs()) throw new InfrastructureError(`invalid record ${position} is held by another invocation; retrying the batch`);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  try {
    await deps.ledger.complete(key, result, deps.ownerId);
    deps.logger.warn('invalid request', { field: error.field, topic: record.topic, partition: record.partition, offset: record.offset });
    await publish(result);
  } catch (err) {
    // Let the retried batch take it at once: an unanswered claim is deleted, a stored answer loses
    // its publish grace (the retry then publishes it).
    await deps.ledger.abandon(key, deps.ownerId).catch(() => undefined);
    throw err;
  }
  summary.failed += 1;
  summary.deadLettered += 1;
  deps.metrics.add('failed', { model: 'none', priority: partial.priority ?? 'unknown' });
}
