import { callModel } from '../llm/call.js';
import type { LlmClientPool } from '../llm/pool.js';
import type { LlmInvoker } from './deps.js';

/** The LLM port over the pooled OpenAI-compatible clients (one keep-alive pool per endpoint). */
export function pooledLlm(pool: LlmClientPool): LlmInvoker {
  return {
    async call(model, request, opts) {
      const r = await callModel(pool, model, request, opts);
      return { content: r.content, usage: r.usage, latencyMs: r.latencyMs };
    },
    close: () => pool.close(),
  };
}
