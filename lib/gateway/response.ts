import type { ModelConfig } from '../config/schema.js';
import type { AgentResult, Usage } from '../contracts/result.js';

/** The `id` of the completion: the correlation id, so a caller can find the request in Kafka. */
export function completionId(result: AgentResult): string {
  return `chatcmpl-${result.correlation_id}`;
}

export function usageOf(result: AgentResult): Usage {
  return result.usage ?? { prompt_tokens: 0, completion_tokens: result.token_count, total_tokens: result.token_count };
}

/**
 * An OpenAI `chat.completion` for a completed result. `finish_reason` is always `stop`: the
 * result does not say whether the model hit `max_tokens`.
 */
export function completionBody(result: AgentResult, created: number, requestedModel: string): Record<string, unknown> {
  return {
    id: completionId(result),
    object: 'chat.completion',
    created,
    model: result.model_id ?? requestedModel,
    choices: [{ index: 0, message: { role: 'assistant', content: result.content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: usageOf(result),
  };
}

/**
 * The `chat.completion.chunk`s of a completed result, in order: the whole text in one chunk (the
 * scheduler does not stream tokens yet), the finish chunk, and the usage chunk when asked for.
 */
export function completionChunks(result: AgentResult, created: number, requestedModel: string, includeUsage: boolean): Record<string, unknown>[] {
  const base = { id: completionId(result), object: 'chat.completion.chunk', created, model: result.model_id ?? requestedModel };
  const chunks: Record<string, unknown>[] = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: result.content }, logprobs: null, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] },
  ];
  if (includeUsage) chunks.push({ ...base, choices: [], usage: usageOf(result) });
  return chunks;
}

/** Server-sent events text for the chunks, ending with `data: [DONE]`. */
export function sseText(chunks: readonly unknown[]): string {
  return `${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`;
}

/** `GET /v1/models`: the configured models. */
export function modelList(models: readonly Pick<ModelConfig, 'id'>[]): Record<string, unknown> {
  return { object: 'list', data: models.map(modelObject) };
}

export function modelObject(model: Pick<ModelConfig, 'id'>): Record<string, unknown> {
  return { id: model.id, object: 'model', created: 0, owned_by: 'agentsched' };
}
