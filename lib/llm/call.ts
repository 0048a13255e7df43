import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { ModelConfig } from '../config/schema.js';
import type { ToolCall } from '../contracts/chat.js';
import { LlmCallError } from './errors.js';
import { guardedCall } from './guard.js';
import type { GuardOptions } from './guard.js';
import { estimateUsage } from './messages.js';
import type { LlmRequest, LlmUsage } from './messages.js';
import { buildChatParams } from './params.js';
import type { LlmClientPool } from './pool.js';

/** A completed LLM call. */
export interface LlmCallResult {
  /** The completion text ('' when the model answered with no text, e.g. only tool calls). */
  content: string;
  /** The function calls the model asked for, as it returned them. */
  toolCalls?: ToolCall[];
  usage: LlmUsage;
  /** True when the endpoint reported no usage and `usage` was estimated from character counts. */
  usageEstimated: boolean;
  /** Wall time of the call, from sending to the parsed response. */
  latencyMs: number;
  finishReason: string | null;
}

/** Options of {@link callModel}. */
export interface CallModelOptions extends GuardOptions {
  /** Monotonic clock for `latencyMs`. Default `performance.now`. */
  now?: () => number;
}

/** The tool calls, text, usage and finish reason of a (final) chat completion. */
export function resultOf(completion: ChatCompletion, request: LlmRequest, latencyMs: number): LlmCallResult {
  const choice = completion.choices?.[0];
  if (!choice) throw new LlmCallError('server_error', 'LLM endpoint answered without choices');
  const content = choice.message?.content ?? '';
  const toolCalls: ToolCall[] = (choice.message?.tool_calls ?? []).flatMap((c) =>
    c.type === 'function' ? [{ id: c.id, type: 'function' as const, function: { name: c.function.name, arguments: c.function.arguments } }] : [],
  );
  const reported = completion.usage;
  const usage: LlmUsage = reported
    ? {
        prompt_tokens: reported.prompt_tokens,
        completion_tokens: reported.completion_tokens,
        total_tokens: reported.total_tokens ?? reported.prompt_tokens + reported.completion_tokens,
        ...(reported.prompt_tokens_details ? { prompt_tokens_details: { ...reported.prompt_tokens_details } } : {}),
        ...(reported.completion_tokens_details ? { completion_tokens_details: { ...reported.completion_tokens_details } } : {}),
      }
    : estimateUsage(request, content + toolCalls.map((c) => c.function.arguments).join(''));
  return {
    content,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    usage,
    usageEstimated: !reported,
    latencyMs,
    finishReason: choice.finish_reason ?? null,
  };
}

/**
 * Sends one chat completion to `model` through the pooled client of its endpoint.
 * Resolves with the completion; rejects with an {@link LlmCallError} whose `kind` tells the
 * scheduler whether to retry elsewhere (rate_limited, server_error, timeout, connection) or to
 * answer `failed` (rejected). Neither the prompt nor the API key is logged or put in an error.
 */
export async function callModel(pool: LlmClientPool, model: ModelConfig, request: LlmRequest, options: CallModelOptions): Promise<LlmCallResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  return guardedCall(pool, model, options, async ({ chat, signal, timeoutMs }) => {
    // The guard's signal bounds the whole call (headers and body).
    const completion = await chat.create(buildChatParams(model, request), { signal, timeoutMs });
    return resultOf(completion, request, Math.max(0, now() - started));
  });
}
