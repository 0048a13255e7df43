import type { Config } from '../config/schema.js';
import { toInvalidRequest } from '../contracts/decode.js';
import { LIMITS } from '../contracts/limits.js';
import { AgentRequestSchema } from '../contracts/request.js';
import type { AgentRequest, AgentRequestInput } from '../contracts/request.js';
import { AgentResultSchema } from '../contracts/result.js';
import type { AgentResult } from '../contracts/result.js';
import { InvalidRequestError } from '../errors/index.js';
import type { OutgoingRecord } from '../kafka/publisher.js';
import type { ReplyRecord } from './transport.js';

/** The header the scheduler and the original agents use; equal to the body field. */
export const CORRELATION_HEADER = 'correlation_id';

type Defaulted = 'id' | 'correlation_id' | 'task_type' | 'priority';

/**
 * What a caller passes to `request()` / `submit()`: an {@link AgentRequestInput} where `id`,
 * `correlation_id` (default: a new UUID; `id` defaults to it), `task_type` (default
 * `text_generation`) and `priority` (default `medium`) may be left out. `reply_topic` is the
 * client's own.
 */
export type ClientRequestInput = Omit<AgentRequestInput, Defaulted | 'reply_topic'> & Partial<Pick<AgentRequestInput, Defaulted>>;

export interface BuildOptions {
  correlationId: string;
  replyTopic?: string | undefined;
  /** Sent as `timeout_ms` when the caller set neither `timeout_ms` nor `deadline_ms`, so the scheduler stops when the caller does. */
  timeoutMs?: number | undefined;
}

/**
 * The validated wire request. Throws {@link InvalidRequestError} naming the field, so a bad
 * request is a typed error at the caller, never a record the scheduler has to dead-letter.
 */
export function buildRequest(input: ClientRequestInput, opts: BuildOptions): AgentRequest {
  const correlationId = input.correlation_id ?? opts.correlationId;
  const candidate: Record<string, unknown> = {
    ...input,
    id: input.id ?? correlationId,
    correlation_id: correlationId,
    task_type: input.task_type ?? 'text_generation',
    priority: input.priority ?? 'medium',
  };
  if (opts.replyTopic !== undefined) candidate['reply_topic'] = opts.replyTopic;
  if (input.timeout_ms === undefined && input.deadline_ms === undefined && opts.timeoutMs !== undefined) {
    candidate['timeout_ms'] = Math.max(1, Math.ceil(opts.timeoutMs));
  }
  const parsed = AgentRequestSchema.safeParse(candidate);
  if (!parsed.success) throw toInvalidRequest(parsed.error);
  return parsed.data;
}

/**
 * The Kafka record for a request: on the priority's topic, keyed by session (affinity, and
 * one partition keeps a session's order) or correlation id, with the `correlation_id` header.
 * `model_id` / `status` are written as null when absent, as the original agents do.
 */
export function requestRecord(request: AgentRequest, config: Pick<Config, 'kafka'>): OutgoingRecord {
  const value = JSON.stringify({ ...request, model_id: request.model_id ?? null, status: request.status ?? null });
  const bytes = Buffer.byteLength(value);
  if (bytes > LIMITS.maxRecordBytes) {
    throw new InvalidRequestError('$', `request is ${bytes} bytes, over the ${LIMITS.maxRecordBytes} byte record limit`);
  }
  return {
    topic: config.kafka.topics[request.priority],
    key: request.session_id ?? request.correlation_id,
    value,
    headers: { [CORRELATION_HEADER]: request.correlation_id },
  };
}

export type ParsedReply = { ok: true; result: AgentResult } | { ok: false; reason: string };

/** Decodes a reply record; a body without `correlation_id` takes the header's. Never throws. */
export function parseReply(record: ReplyRecord): ParsedReply {
  let body: unknown;
  try {
    body = JSON.parse(record.value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, reason: 'not a JSON object' };
  const obj = body as Record<string, unknown>;
  const header = record.headers[CORRELATION_HEADER];
  const withId = (obj['correlation_id'] === undefined || obj['correlation_id'] === '') && header ? { ...obj, correlation_id: header } : obj;
  const parsed = AgentResultSchema.safeParse(withId);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.map(String).join('.') || '$'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, result: parsed.data };
}
