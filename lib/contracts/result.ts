import { z } from 'zod';
import { ToolCallSchema } from './chat.js';
import { PrioritySchema, TaskTypeSchema } from './request.js';

export const ERROR_CODES = [
  'invalid_request',
  'deadline_exceeded',
  'no_capable_model',
  'capacity_unavailable',
  'model_error',
  'model_rejected',
  'rate_limited',
  'timeout',
  'reply_topic_not_allowed',
  'internal',
] as const;
export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ResultErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  retryable: z.boolean(),
  field: z.string().optional(),
});
export type ResultError = z.infer<typeof ResultErrorSchema>;

export const UsageSchema = z.object({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  total_tokens: z.number().int().min(0),
  /** Breakdowns as the model reported them (cached prompt tokens, reasoning tokens, …). */
  prompt_tokens_details: z.record(z.string(), z.unknown()).nullable().optional(),
  completion_tokens_details: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

/**
 * The answer to one request, on the results topic and the request's reply topic. Same field names
 * as the original's Message; `task_type` / `priority` are null only when the request was so
 * malformed that they could not be recovered.
 */
export const AgentResultSchema = z.object({
  id: z.string(),
  task_type: TaskTypeSchema.nullable(),
  priority: PrioritySchema.nullable(),
  correlation_id: z.string(),
  model_id: z.string().nullable(),
  status: z.enum(['completed', 'failed']),
  content: z.string(),
  token_count: z.number().int().min(0),
  error: ResultErrorSchema.optional(),
  /** The calls the model asked for (then `content` is usually ''), as it returned them. */
  tool_calls: z.array(ToolCallSchema).optional(),
  /** As the model returned it: `stop`, `length`, `tool_calls`, `content_filter`, … */
  finish_reason: z.string().max(64).nullable().optional(),
  usage: UsageSchema.optional(),
  queued_ms: z.number().min(0).optional(),
  llm_ms: z.number().min(0).optional(),
  attempts: z.number().int().min(0).optional(),
  session_id: z.string().optional(),
  finished_at: z.string().optional(),
});
export type AgentResult = z.infer<typeof AgentResultSchema>;
