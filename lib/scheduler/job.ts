import type { ModelConfig } from '../config/schema.js';
import type { AgentRequest, Priority } from '../contracts/request.js';
import type { DecodedRecord } from '../kafka/event.js';
import type { RequestKey } from './ledger.js';

/** Headers the scheduler adds when it re-publishes a request it could not admit in time. */
export const HEADER_ATTEMPT = 'agentsched-attempt';
export const HEADER_FIRST_SEEN = 'agentsched-first-seen';
export const HEADER_LLM_ATTEMPTS = 'agentsched-llm-attempts';
export const HEADER_CORRELATION = 'correlation_id';

export const PRIORITY_RANK: Record<Priority, number> = { high: 0, medium: 1, low: 2 };
const ONE_UP: Record<Priority, Priority> = { high: 'high', medium: 'high', low: 'medium' };

/** One admissible request while this invocation works on it. */
export interface Job {
  record: DecodedRecord;
  request: AgentRequest;
  /** The decoded JSON object, re-published as it came (plus an absolute deadline) when deferred. */
  raw: Record<string, unknown>;
  key: RequestKey;
  rank: number;
  /** Absolute deadline, epoch ms. */
  deadline: number;
  /** When the request first reached a topic (kept across re-publications). */
  firstSeen: number;
  /** How many times it was re-published already. */
  republished: number;
  /** Model call attempts made so far (carried across re-publications in a header). */
  attempts: number;
  /** Attempts that count toward `max_attempts`: a 429 does not (the model did no work). */
  countedAttempts: number;
  /** Models that failed this request, tried last. */
  failedModels: Set<string>;
  /** Not before this time (backoff after a failed call). */
  notBefore: number;
  lastError?: { code: 'model_error' | 'rate_limited' | 'timeout'; message: string; modelId: string };
  /** While another invocation holds the same request (a duplicate delivery): when to look again. */
  nextWatch?: number;
}

function intHeader(headers: Record<string, string>, name: string): number | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

/** Builds a job; the deadline is `deadline_ms`, else record time + `timeout_ms` or the default. */
export function buildJob(
  record: DecodedRecord,
  request: AgentRequest,
  raw: Record<string, unknown>,
  defaultTimeoutMs: number,
): Job {
  const firstSeen = intHeader(record.headers, HEADER_FIRST_SEEN) ?? record.timestamp;
  const deadline = request.deadline_ms ?? firstSeen + (request.timeout_ms ?? defaultTimeoutMs);
  return {
    record,
    request,
    raw,
    key: { id: request.id, correlationId: request.correlation_id },
    rank: PRIORITY_RANK[request.priority],
    deadline,
    firstSeen,
    republished: intHeader(record.headers, HEADER_ATTEMPT) ?? 0,
    attempts: intHeader(record.headers, HEADER_LLM_ATTEMPTS) ?? 0,
    countedAttempts: intHeader(record.headers, HEADER_LLM_ATTEMPTS) ?? 0,
    failedModels: new Set(),
    notBefore: 0,
  };
}

/** High before medium before low, then earliest deadline, then arrival order. */
export function compareJobs(a: Job, b: Job): number {
  return a.rank - b.rank || a.deadline - b.deadline || a.firstSeen - b.firstSeen;
}

export function jobKeyString(key: RequestKey): string {
  return `${key.id}\u0000${key.correlationId}`;
}

/**
 * The priority a job is admitted as: its own, or one level higher once it has waited longer than
 * `agingMs` since it first reached a topic (starvation guard; 0 = never). Only the share and
 * demand-mark checks see it; the job's result keeps its own priority.
 */
export function admissionPriority(job: Job, now: number, agingMs: number): Priority {
  const own = job.request.priority;
  return agingMs > 0 && now - job.firstSeen > agingMs ? ONE_UP[own] : own;
}

/** True when `model` may serve the job: it supports the task and is the model the request names, if any. */
export function canServe(job: Job, model: ModelConfig): boolean {
  const wanted = job.request.model_id;
  return (wanted == null || wanted === model.id) && model.supported_tasks.includes(job.request.task_type);
}
