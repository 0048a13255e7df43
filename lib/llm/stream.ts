import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { ModelConfig } from '../config/schema.js';
import type { StreamDelta } from '../contracts/stream.js';
import type { CallModelOptions, LlmCallResult } from './call.js';
import { resultOf } from './call.js';
import { guardedCall } from './guard.js';
import type { LlmRequest } from './messages.js';
import { buildChatParams } from './params.js';
import type { LlmClientPool } from './pool.js';

/** Options of {@link streamModel}. */
export interface StreamModelOptions extends CallModelOptions {
  /** Called with each piece of the answer as the model sends it; must not throw. */
  onDelta: (delta: StreamDelta, finishReason: string | null) => void;
}

/** The part of a model chunk worth passing on (empty chunks, e.g. the role-only first one, give undefined). */
export function deltaOf(chunk: ChatCompletionChunk): { delta: StreamDelta; finishReason: string | null } | undefined {
  const choice = chunk.choices?.[0];
  if (!choice) return undefined;
  const delta: StreamDelta = {};
  if (choice.delta?.content) delta.content = choice.delta.content;
  const calls = choice.delta?.tool_calls;
  if (calls && calls.length > 0) {
    delta.tool_calls = calls.map((c) => ({
      index: c.index,
      ...(c.id ? { id: c.id } : {}),
      ...(c.type ? { type: c.type } : {}),
      ...(c.function ? { function: { ...(c.function.name ? { name: c.function.name } : {}), ...(c.function.arguments ? { arguments: c.function.arguments } : {}) } } : {}),
    }));
  }
  const finishReason = choice.finish_reason ?? null;
  if (delta.content === undefined && delta.tool_calls === undefined && finishReason === null) return undefined;
  return { delta, finishReason };
}

/**
 * {@link callModel}, streamed: asks the model for `stream: true` (with `stream_options.include_usage`,
 * so the usage is real), hands each piece to `onDelta`, and resolves with the whole answer as the
 * SDK's stream helper accumulated it — the same result a one-shot call gives. The whole-call
 * timeout covers the stream: a model that stops sending is cut.
 */
export async function streamModel(pool: LlmClientPool, model: ModelConfig, request: LlmRequest, options: StreamModelOptions): Promise<LlmCallResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  return guardedCall(pool, model, options, async ({ client, signal, timeoutMs }) => {
    const params = { ...buildChatParams(model, request), stream: true as const, stream_options: { include_usage: true } };
    const stream = client.chat.completions.stream(params, { timeout: timeoutMs, signal, maxRetries: 0 });
    for await (const chunk of stream) {
      const piece = deltaOf(chunk);
      if (piece) options.onDelta(piece.delta, piece.finishReason);
    }
    return resultOf(await stream.finalChatCompletion(), request, Math.max(0, now() - started));
  });
}
