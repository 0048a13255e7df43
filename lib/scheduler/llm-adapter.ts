import { callModel } from '../llm/call.js';
import type { LlmClientPool } from '../llm/pool.js';
import { streamModel } from '../llm/stream.js';
import type { LlmInvoker } from './deps.js';

/** The LLM port over the pooled OpenAI-compatible clients (one keep-alive pool per endpoint); streams when asked to. */
export function pooledLlm(pool: LlmClientPool): LlmInvoker {
  return {
    async call(model, request, opts) {
      const { onDelta, ...rest } = opts;
      const r = onDelta ? await streamModel(pool, model, request, { ...rest, onDelta }) : await callModel(pool, model, request, rest);
      return { content: r.content, usage: r.usage, latencyMs: r.latencyMs, finishReason: r.finishReason, ...(r.toolCalls ? { toolCalls: r.toolCalls } : {}) };
    },
    close: () => pool.close(),
  };
}
