import { randomUUID } from 'node:crypto';
import type { PartialRequest } from '../contracts/decode.js';
import type { AgentResult } from '../contracts/result.js';
import { failedResult } from '../contracts/results.js';
import type { InvalidRequestError } from '../errors/index.js';
import type { DecodedRecord } from '../kafka/event.js';
import type { QueueEntry, QueueItem } from '../queue/types.js';
import { PUBLISH_GRACE_MS } from './answer.js';
import type { SchedulerDeps } from './deps.js';
import { storedRecord } from './entry.js';

/** Raw bytes kept for re-publishing an invalid record's dead letter after a crash (the item limit is 400 KB). */
const MAX_KEPT_VALUE_BYTES = 200_000;

/**
 * A record that is not a valid request: a `failed` result when it can be addressed (a correlation
 * id was recovered) and always a dead letter with the raw bytes. Registered in the queue already
 * answered, keyed by its topic position, so a redelivered batch does not answer it twice; an answer
 * whose publisher died is published by the sweep. Never throws for the record itself — only when
 * Kafka or DynamoDB is down (then the batch is retried).
 */
export async function rejectRecord(record: DecodedRecord, error: InvalidRequestError, partial: PartialRequest, deps: SchedulerDeps): Promise<'answered' | 'duplicate'> {
  const position = `invalid:${record.topic}:${record.partition}:${record.offset}`;
  const result = failedResult(partial, { code: 'invalid_request', message: error.message, field: error.field });
  const owner = `${deps.ownerId}/${randomUUID()}`;
  const entry = invalidEntry(record, position, partial);
  const now = deps.clock.now();
  const stored = await deps.queue.storeAnswer(entry, result, owner, PUBLISH_GRACE_MS, now);
  if (stored.kind === 'present') {
    await publishIfStranded(deps, stored.item, record, partial, result);
    return 'duplicate';
  }
  deps.logger.warn('invalid request', { field: error.field, topic: record.topic, partition: record.partition, offset: record.offset });
  try {
    await publish(deps, record, partial, result);
  } catch (err) {
    // End our publish grace: the retried batch (or the sweep) publishes the stored answer at once.
    await deps.queue.extend(entry.key, owner, -1, deps.clock.now()).catch(() => false);
    throw err;
  }
  await deps.queue.markPublished(entry.key, owner, deps.clock.now());
  deps.metrics.add('failed', { model: 'none', priority: partial.priority ?? 'unknown' });
  return 'answered';
}

/** A redelivery of an invalid record whose first answer never got out (its publisher died): publish it now. */
async function publishIfStranded(deps: SchedulerDeps, item: QueueItem, record: DecodedRecord, partial: PartialRequest, result: AgentResult): Promise<void> {
  const now = deps.clock.now();
  if (item.state !== 'completed' || (item.until ?? 0) >= now) return;
  const owner = `${deps.ownerId}/${randomUUID()}`;
  const claim = await deps.queue.claim(item.key, owner, PUBLISH_GRACE_MS, now);
  if (claim.kind !== 'publish') return;
  await publish(deps, record, partial, claim.item.result ?? result, true);
  await deps.queue.markPublished(item.key, owner, deps.clock.now());
}

async function publish(deps: SchedulerDeps, record: DecodedRecord, partial: PartialRequest, result: AgentResult, redelivery = false): Promise<void> {
  if (partial.correlation_id) await deps.outbox.publishResult(result, partial.reply_topic, record.key, redelivery);
  await deps.outbox.deadLetter(record, result.error!, partial, 0);
}

function invalidEntry(record: DecodedRecord, position: string, partial: PartialRequest): QueueEntry {
  return {
    key: { id: position, correlationId: position },
    priority: partial.priority ?? 'low',
    taskType: partial.task_type ?? 'text_generation',
    modelId: null,
    deadline: record.timestamp,
    firstSeen: record.timestamp,
    estimatedTokens: 0,
    request: { ...partial },
    record: storedRecord(record, MAX_KEPT_VALUE_BYTES),
    attempts: 0,
    countedAttempts: 0,
    failedModels: [],
    notBefore: 0,
  };
}
