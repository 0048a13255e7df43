import { AgentRequestSchema, PRIORITIES } from '../contracts/request.js';
import type { AgentRequest, Priority } from '../contracts/request.js';
import type { DecodedRecord } from '../kafka/event.js';
import { compareOrder, competingRank } from '../queue/key.js';
import type { QueueEntry, QueueItem, RequestKey, StoredRecord } from '../queue/types.js';

/** Headers a re-published request may carry from the previous execution model (still honoured). */
export const HEADER_FIRST_SEEN = 'agentsched-first-seen';
export const HEADER_LLM_ATTEMPTS = 'agentsched-llm-attempts';
export const HEADER_CORRELATION = 'correlation_id';
/** Set on a stored answer published again after its first publisher died: agents drop a second copy by correlation id. */
export const HEADER_REDELIVERY = 'agentsched-redelivery';

/** Completion tokens assumed for the TPM estimate when the request sets no `max_tokens`. */
const DEFAULT_COMPLETION_ESTIMATE = 256;

function intHeader(headers: Record<string, string>, name: string): number | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

export function requestKey(request: Pick<AgentRequest, 'id' | 'correlation_id'>): RequestKey {
  return { id: request.id, correlationId: request.correlation_id };
}

/** Tokens reserved against a TPM limit at admission: the prompt plus the completion's ceiling. */
export function estimateTokens(request: AgentRequest): number {
  const prompt = request.token_count > 0 ? request.token_count : Math.ceil(request.content.length / 4);
  return prompt + (request.max_tokens ?? DEFAULT_COMPLETION_ESTIMATE);
}

/** The queue entry for a valid request; the deadline is `deadline_ms`, else record time + `timeout_ms` or the default. */
export function buildEntry(record: DecodedRecord, request: AgentRequest, defaultTimeoutMs: number): QueueEntry {
  const firstSeen = intHeader(record.headers, HEADER_FIRST_SEEN) ?? record.timestamp;
  const attempts = intHeader(record.headers, HEADER_LLM_ATTEMPTS) ?? 0;
  return {
    key: requestKey(request),
    priority: request.priority,
    taskType: request.task_type,
    modelId: request.model_id ?? null,
    deadline: request.deadline_ms ?? firstSeen + (request.timeout_ms ?? defaultTimeoutMs),
    firstSeen,
    estimatedTokens: estimateTokens(request),
    request,
    record: storedRecord(record),
    attempts,
    countedAttempts: attempts,
    failedModels: [],
    notBefore: 0,
  };
}

/** A Kafka record as the queue keeps it; a value over `maxValueBytes` is kept empty. */
export function storedRecord(record: DecodedRecord, maxValueBytes = Infinity): StoredRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    keyBase64: record.key ? record.key.toString('base64') : null,
    valueBase64: record.value.byteLength <= maxValueBytes ? record.value.toString('base64') : '',
    headers: record.headers,
  };
}

/** The request an item holds, validated again (it was valid when queued; a corrupt item yields undefined). */
export function requestOf(item: QueueEntry): AgentRequest | undefined {
  const parsed = AgentRequestSchema.safeParse(item.request);
  return parsed.success ? parsed.data : undefined;
}

/** The Kafka record an item came from, for answering (reply key) and dead-lettering (raw bytes). */
export function recordOf(item: QueueEntry): DecodedRecord {
  const r = item.record;
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.keyBase64 === null ? null : Buffer.from(r.keyBase64, 'base64'),
    value: Buffer.from(r.valueBase64, 'base64'),
    headers: r.headers,
  };
}

/**
 * The priority an item competes as for a model's share (`capacity.priority_shares`): its own, one
 * level higher per `agingMs` waited since it first reached a topic (starvation guard; 0 = never),
 * as the queue's order counts it (`virtualTime`). The item keeps its own priority.
 */
export function effectivePriority(item: QueueEntry, now: number, agingMs: number): Priority {
  return PRIORITIES[competingRank(item, now, agingMs)]!;
}

/** Queue order (as the queue stores it): virtual time — arrival plus `agingMs` per level below high — then deadline, then arrival. */
export function byEffectiveOrder<T extends QueueEntry>(items: readonly T[], agingMs: number): T[] {
  return [...items].sort((a, b) => compareOrder(a, b, agingMs));
}

export function keyString(key: RequestKey): string {
  return `${key.id}\u0000${key.correlationId}`;
}

export { PRIORITIES };
export type { QueueItem };
