import type { z } from 'zod';
import { InvalidRequestError } from '../errors/index.js';
import { LIMITS } from './limits.js';
import { AgentRequestSchema, PrioritySchema, TaskTypeSchema, TopicNameSchema } from './request.js';
import type { AgentRequest, Priority, TaskType } from './request.js';

/** What could be read from a request that failed validation: enough to address a `failed` result. */
export interface PartialRequest {
  id?: string;
  correlation_id?: string;
  reply_topic?: string;
  task_type?: TaskType;
  priority?: Priority;
  session_id?: string;
}

export type DecodeResult =
  | { ok: true; request: AgentRequest; raw: Record<string, unknown> }
  | { ok: false; error: InvalidRequestError; partial: PartialRequest };

/** Dotted path of a zod issue: `messages.0.role`; `$` for the value itself. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '$' : path.map(String).join('.');
}

/** The first issue of a zod error as an InvalidRequestError naming its field. */
export function toInvalidRequest(error: z.ZodError): InvalidRequestError {
  const issue = error.issues[0];
  if (!issue) return new InvalidRequestError('$', 'invalid value');
  return new InvalidRequestError(issuePath(issue.path), issue.message, { cause: error });
}

function pickString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' && v.length > 0 && v.length <= LIMITS.maxIdChars ? v : undefined;
}

function recoverPartial(obj: Record<string, unknown>, headerCorrelationId?: string): PartialRequest {
  const partial: PartialRequest = {};
  const id = pickString(obj, 'id');
  if (id) partial.id = id;
  const correlationId = pickString(obj, 'correlation_id') ?? headerCorrelationId;
  if (correlationId) partial.correlation_id = correlationId;
  const reply = TopicNameSchema.safeParse(obj['reply_topic']);
  if (reply.success) partial.reply_topic = reply.data;
  const taskType = TaskTypeSchema.safeParse(obj['task_type']);
  if (taskType.success) partial.task_type = taskType.data;
  const priority = PrioritySchema.safeParse(obj['priority']);
  if (priority.success) partial.priority = priority.data;
  const sessionId = pickString(obj, 'session_id');
  if (sessionId) partial.session_id = sessionId;
  return partial;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Decodes one request record. Total: every input yields a result, never a thrown exception.
 * The `correlation_id` header fills the body field when the body lacks it (the original agents
 * send both, equal).
 */
export function decodeRequest(value: Uint8Array | string, headers: Record<string, string> = {}): DecodeResult {
  const headerCorrelationId = headers['correlation_id'] || undefined;
  const fail = (error: InvalidRequestError, obj: Record<string, unknown> = {}): DecodeResult => ({
    ok: false,
    error,
    partial: recoverPartial(obj, headerCorrelationId),
  });

  const byteLength = typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength;
  if (byteLength > LIMITS.maxRecordBytes) {
    return fail(new InvalidRequestError('$', `record is ${byteLength} bytes, over the ${LIMITS.maxRecordBytes} byte limit`));
  }
  let parsed: unknown;
  try {
    const text = typeof value === 'string' ? value : new TextDecoder('utf-8', { fatal: true }).decode(value);
    parsed = JSON.parse(text);
  } catch (err) {
    return fail(new InvalidRequestError('$', `not UTF-8 JSON (${(err as Error).message})`, { cause: err }));
  }
  if (!isPlainObject(parsed)) return fail(new InvalidRequestError('$', 'expected a JSON object'));

  const withCorrelation =
    parsed['correlation_id'] === undefined && headerCorrelationId
      ? { ...parsed, correlation_id: headerCorrelationId }
      : parsed;
  const result = AgentRequestSchema.safeParse(withCorrelation);
  if (!result.success) return fail(toInvalidRequest(result.error), withCorrelation);
  return { ok: true, request: result.data, raw: withCorrelation };
}
