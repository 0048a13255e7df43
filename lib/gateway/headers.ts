import type { IncomingHttpHeaders } from 'node:http';
import { PRIORITIES, TASK_TYPES } from '../contracts/request.js';
import type { Priority, TaskType } from '../contracts/request.js';
import { GatewayHttpError } from './errors.js';

/** The request headers the gateway reads (Node lowercases header names). */
export const HEADERS = {
  priority: 'x-agentsched-priority',
  taskType: 'x-agentsched-task-type',
  sessionId: 'x-agentsched-session-id',
  timeoutMs: 'x-agentsched-timeout-ms',
} as const;

const MAX_TIMEOUT_MS = 86_400_000;

/** One header's value (the first, when repeated); undefined when absent or blank. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  const trimmed = s?.trim();
  return trimmed ? trimmed : undefined;
}

function invalid(param: string, message: string): GatewayHttpError {
  return new GatewayHttpError(400, 'invalid_request_error', 'invalid_request', message, { param });
}

/** Priority: the header, else the body's `priority`, else medium. */
export function parsePriority(headers: IncomingHttpHeaders, bodyPriority: unknown): Priority {
  const fromHeader = headerValue(headers, HEADERS.priority);
  const raw = fromHeader ?? bodyPriority;
  if (raw === undefined || raw === null) return 'medium';
  const value = typeof raw === 'string' ? raw.toLowerCase() : raw;
  if ((PRIORITIES as readonly unknown[]).includes(value)) return value as Priority;
  const where = fromHeader === undefined ? 'priority' : HEADERS.priority;
  throw invalid(where, `${where} must be one of ${PRIORITIES.join(', ')}`);
}

/** Task type: the header, else `fallback`. */
export function parseTaskType(headers: IncomingHttpHeaders, fallback: TaskType): TaskType {
  const raw = headerValue(headers, HEADERS.taskType);
  if (raw === undefined) return fallback;
  if ((TASK_TYPES as readonly string[]).includes(raw)) return raw as TaskType;
  throw invalid(HEADERS.taskType, `${HEADERS.taskType} must be one of ${TASK_TYPES.join(', ')}`);
}

/** Timeout in ms from the header (a positive integer up to a day); undefined when absent. */
export function parseTimeoutMs(headers: IncomingHttpHeaders): number | undefined {
  const raw = headerValue(headers, HEADERS.timeoutMs);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_TIMEOUT_MS) {
    throw invalid(HEADERS.timeoutMs, `${HEADERS.timeoutMs} must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
  }
  return n;
}

/** Session (routing affinity): the header, else the body's `user`. */
export function parseSessionId(headers: IncomingHttpHeaders, bodyUser: unknown): string | undefined {
  const fromHeader = headerValue(headers, HEADERS.sessionId);
  if (fromHeader !== undefined) return fromHeader;
  return typeof bodyUser === 'string' && bodyUser.length > 0 ? bodyUser : undefined;
}
