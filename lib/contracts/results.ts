import type { PartialRequest } from './decode.js';
import type { AgentRequest } from './request.js';
import type { ToolCall } from './chat.js';
import type { AgentResult, ErrorCode, Usage } from './result.js';

/** The request fields a result echoes back. */
type Addressable = Pick<AgentRequest, 'id' | 'task_type' | 'priority' | 'correlation_id' | 'session_id'> | PartialRequest;

function echo(req: Addressable): Pick<AgentResult, 'id' | 'task_type' | 'priority' | 'correlation_id' | 'session_id'> {
  return {
    id: req.id ?? '',
    task_type: req.task_type ?? null,
    priority: req.priority ?? null,
    correlation_id: req.correlation_id ?? '',
    ...(req.session_id ? { session_id: req.session_id } : {}),
  };
}

export interface CompletedFields {
  modelId: string;
  content: string;
  usage: Usage;
  queuedMs: number;
  llmMs: number;
  attempts: number;
  toolCalls?: ToolCall[] | undefined;
  finishReason?: string | null | undefined;
}

export function completedResult(req: AgentRequest, f: CompletedFields): AgentResult {
  return {
    ...echo(req),
    model_id: f.modelId,
    status: 'completed',
    content: f.content,
    token_count: f.usage.completion_tokens,
    usage: f.usage,
    ...(f.toolCalls && f.toolCalls.length > 0 ? { tool_calls: f.toolCalls } : {}),
    ...(f.finishReason !== undefined ? { finish_reason: f.finishReason } : {}),
    queued_ms: f.queuedMs,
    llm_ms: f.llmMs,
    attempts: f.attempts,
    finished_at: new Date().toISOString(),
  };
}

export interface FailedFields {
  code: ErrorCode;
  message: string;
  retryable?: boolean;
  field?: string;
  modelId?: string | null;
  queuedMs?: number;
  attempts?: number;
}

export function failedResult(req: Addressable, f: FailedFields): AgentResult {
  return {
    ...echo(req),
    model_id: f.modelId ?? null,
    status: 'failed',
    content: '',
    token_count: 0,
    error: {
      code: f.code,
      message: f.message,
      retryable: f.retryable ?? false,
      ...(f.field ? { field: f.field } : {}),
    },
    ...(f.queuedMs !== undefined ? { queued_ms: f.queuedMs } : {}),
    ...(f.attempts !== undefined ? { attempts: f.attempts } : {}),
    finished_at: new Date().toISOString(),
  };
}
