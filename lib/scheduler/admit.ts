import { decodeRequest } from '../contracts/decode.js';
import { AgentSchedError, InvalidRequestError } from '../errors/index.js';
import type { ModelSnapshot } from '../capacity/types.js';
import type { DecodedRecord } from '../kafka/event.js';
import type { EnqueueOutcome, QueueEntry, QueueItem } from '../queue/types.js';
import type { InvocationContext, SchedulerDeps } from './deps.js';
import type { CallAssignment } from './call-event.js';
import { dispatch, ringDoorbells } from './dispatch.js';
import { planFastStarts, startAtOnce } from './fast-start.js';
import { noteWaiting } from './handoff.js';
import { buildEntry, keyString } from './entry.js';
import { rejectRecord } from './reject.js';

export interface BatchSummary {
  records: number;
  /** Valid requests registered in the wait queue by this batch. */
  queued: number;
  /** Requests registered before (a redelivered batch, or an agent that sent one twice). */
  duplicates: number;
  /** Invalid records: answered `failed` (when addressable) and dead-lettered. */
  invalid: number;
  /** Calls this batch's dispatch started. */
  started: number;
}

/**
 * The schedule function's core, which never calls a model: decode and validate each record (bad
 * input → failed result + dead letter), register every valid request in the wait queue
 * (idempotent: a redelivered batch changes nothing), then dispatch. Returns in milliseconds
 * whatever the models do; throws only when Kafka or DynamoDB is down, so the batch is retried —
 * and a retry registers nothing twice.
 */
export async function admitBatch(records: DecodedRecord[], deps: SchedulerDeps, _invocation: InvocationContext): Promise<BatchSummary> {
  const summary: BatchSummary = { records: records.length, queued: 0, duplicates: 0, invalid: 0, started: 0 };
  const entries: QueueEntry[] = [];
  const seen = new Set<string>();
  try {
    for (const record of records) {
      const decoded = decodeRequest(record.value, record.headers);
      if (!decoded.ok) {
        if ((await rejectRecord(record, decoded.error, decoded.partial, deps)) === 'duplicate') summary.duplicates += 1;
        else summary.invalid += 1;
        continue;
      }
      const entry = buildEntry(record, decoded.request, deps.config.scheduler.default_timeout_ms);
      const key = keyString(entry.key);
      if (seen.has(key)) {
        summary.duplicates += 1;
        continue;
      }
      seen.add(key);
      entries.push(entry);
    }
    const plan = await planFastStarts(deps, entries);
    const outcomes = await Promise.all(entries.map((entry) => registerOne(entry, plan.get(entry), records, deps)));
    const waiting: QueueItem[] = [];
    const started: CallAssignment[] = [];
    const claimed = new Map<string, QueueItem>();
    for (const [i, outcome] of outcomes.entries()) {
      const entry = entries[i]!;
      const dims = { model: 'none', priority: entry.priority };
      if (outcome === 'invalid') summary.invalid += 1;
      else if (outcome === 'duplicate') summary.duplicates += 1;
      else if (outcome.kind === 'queued' || outcome.kind === 'started') {
        summary.queued += 1;
        deps.metrics.add('queued', dims);
        if (outcome.kind === 'started') {
          started.push(outcome.assignment);
          claimed.set(keyString(entry.key), outcome.item);
        } else {
          waiting.push({ ...entry, state: 'waiting' });
          noteWaiting(deps, entry);
        }
      } else {
        summary.duplicates += 1;
        deps.metrics.add('duplicates', dims);
        if (outcome.item.state === 'waiting') waiting.push(outcome.item);
      }
    }
    await ringDoorbells(deps, started, claimed);
    // Enqueued first, then the fleet read: against a releaser that releases, then reads the queue.
    summary.started = started.length + (waiting.length > 0 ? (await dispatch(deps, { candidates: waiting })).started : 0);
    deps.logger.debug('batch admitted', { ...summary });
    return summary;
  } finally {
    deps.metrics.flush();
  }
}

/**
 * Registers one request: started at once when a model has room (leased, then registered claimed),
 * else waiting. One too large to keep in the queue is answered as invalid instead.
 */
async function registerOne(
  entry: QueueEntry,
  model: ModelSnapshot | undefined,
  records: DecodedRecord[],
  deps: SchedulerDeps,
): Promise<EnqueueOutcome | { kind: 'started'; assignment: CallAssignment; item: QueueItem } | 'invalid' | 'duplicate'> {
  try {
    const fast = model ? await startAtOnce(deps, entry, model) : { kind: 'no_room' as const };
    if (fast.kind === 'started') return fast;
    if (fast.kind === 'present') return fast.outcome;
    const [outcome] = await deps.queue.enqueue([entry]);
    return outcome!;
  } catch (err) {
    if (!(err instanceof AgentSchedError) || err.code !== 'invalid_request') throw err;
    const record = records.find((r) => r.topic === entry.record.topic && r.partition === entry.record.partition && r.offset === entry.record.offset)!;
    const request = entry.request;
    const answered = await rejectRecord(record, new InvalidRequestError('$', err.message, { cause: err }), {
      id: entry.key.id,
      correlation_id: entry.key.correlationId,
      priority: entry.priority,
      task_type: entry.taskType,
      ...(typeof request['reply_topic'] === 'string' ? { reply_topic: request['reply_topic'] } : {}),
    }, deps);
    return answered === 'duplicate' ? 'duplicate' : 'invalid';
  }
}
