import { decodeRequest } from '../contracts/decode.js';
import type { PartialRequest } from '../contracts/decode.js';
import { failedResult } from '../contracts/results.js';
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
export async function processBatch(records: DecodedRecord[], deps: SchedulerDeps, invocation: InvocationContext): Promise<BatchSummary> {
  const outbox = new Outbox(deps.config, deps.publisher, deps.metrics, deps.logger);
  const summary = emptySummary(records.length);
  const jobs: Job[] = [];
  const seen = new Set<string>();
  try {
    for (const record of records) {
      const decoded = decodeRequest(record.value, record.headers);
      if (!decoded.ok) {
        await rejectRecord(record, decoded.error, decoded.partial, deps, outbox, summary);
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

/**
 * A record that is not a valid request: a `failed` result when it can be addressed (a correlation
 * id was recovered) and always a dead letter with the raw bytes. Keyed by its position in the
 * topic, so a redelivered batch does not answer it twice.
 */
async function rejectRecord(
  record: DecodedRecord,
  error: InvalidRequestError,
  partial: PartialRequest,
  deps: SchedulerDeps,
  outbox: Outbox,
  summary: BatchSummary,
): Promise<void> {
  const position = `invalid:${record.topic}:${record.partition}:${record.offset}`;
  const key = { id: position, correlationId: position };
  const claim = await deps.ledger.claim(key, deps.ownerId, 60_000);
  if (claim.kind !== 'claimed') {
    summary.duplicates += 1;
    return;
  }
  const result = failedResult(partial, { code: 'invalid_request', message: error.message, field: error.field });
  await deps.ledger.complete(key, result);
  deps.logger.warn('invalid request', { field: error.field, topic: record.topic, partition: record.partition, offset: record.offset });
  if (partial.correlation_id) await outbox.publishResult(result, partial.reply_topic, record.key);
  await outbox.deadLetter(record, result.error!, partial, 0);
  await deps.ledger.markPublished(key);
  summary.failed += 1;
  summary.deadLettered += 1;
  deps.metrics.add('failed', { model: 'none', priority: partial.priority ?? 'unknown' });
}
