import type { ModelConfig } from '../config/schema.js';
import type { AgentResult, Usage } from '../contracts/result.js';
import type { StreamDelta } from '../contracts/stream.js';

/** The model name that routes (any name that is not a configured model does too); listed by `/v1/models`. */
export const AUTO_MODEL = 'auto';

/** The `id` of the completion: the correlation id, so a caller can find the request in Kafka. */
export function completionId(result: Pick<AgentResult, 'correlation_id'>): string {
  return `chatcmpl-${result.correlation_id}`;
}

export function usageOf(result: AgentResult): Usage {
  return result.usage ?? { prompt_tokens: 0, completion_tokens: result.token_count, total_tokens: result.token_count };
}

/** `finish_reason` as the model returned it; `tool_calls` / `stop` for results stored before it was kept. */
function finishReasonOf(result: AgentResult): string {
  return result.finish_reason ?? (result.tool_calls?.length ? 'tool_calls' : 'stop');
}

/**
 * An OpenAI `chat.completion` for a completed result: the text (null when the model only called
 * tools, as OpenAI answers), the tool calls and finish reason as the model returned them.
 */
export function completionBody(result: AgentResult, created: number, requestedModel: string): Record<string, unknown> {
  const toolCalls = result.tool_calls?.length ? result.tool_calls : undefined;
  const message = {
    role: 'assistant',
    content: toolCalls && result.content === '' ? null : result.content,
    refusal: null,
    ...(toolCalls ? { tool_calls: toolCalls } : {}),
  };
  return {
    id: completionId(result),
    object: 'chat.completion',
    created,
    model: result.model_id ?? requestedModel,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(result) }],
    usage: usageOf(result),
  };
}

/** Builds the `chat.completion.chunk`s of one answer; with `include_usage` every chunk carries `usage: null` but the last. */
export class ChunkWriter {
  private first = true;

  constructor(
    private readonly id: string,
    private readonly created: number,
    private readonly includeUsage: boolean,
  ) {}

  delta(model: string, delta: StreamDelta): Record<string, unknown> {
    const d: Record<string, unknown> = { ...(this.first ? { role: 'assistant' } : {}), ...delta };
    if (this.first && delta.content === undefined) d['content'] = delta.tool_calls ? null : '';
    this.first = false;
    return this.chunk(model, [{ index: 0, delta: d, logprobs: null, finish_reason: null }]);
  }

  finish(model: string, finishReason: string): Record<string, unknown> {
    return this.chunk(model, [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }]);
  }

  usage(model: string, usage: Usage): Record<string, unknown> {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model, choices: [], usage };
  }

  /** The chunks that end a stream: finish reason, then usage when asked for. */
  end(result: AgentResult, requestedModel: string): Record<string, unknown>[] {
    const model = result.model_id ?? requestedModel;
    const out = [this.finish(model, finishReasonOf(result))];
    if (this.includeUsage) out.push(this.usage(model, usageOf(result)));
    return out;
  }

  private chunk(model: string, choices: unknown[]): Record<string, unknown> {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model, choices, ...(this.includeUsage ? { usage: null } : {}) };
  }
}

/**
 * The `chat.completion.chunk`s of a completed result that arrived whole (nothing was streamed):
 * the text and tool calls in one chunk, the finish chunk, and the usage chunk when asked for.
 */
export function completionChunks(result: AgentResult, created: number, requestedModel: string, includeUsage: boolean): Record<string, unknown>[] {
  const writer = new ChunkWriter(completionId(result), created, includeUsage);
  const toolCalls = result.tool_calls?.map((c, index) => ({ index, ...c }));
  const delta: StreamDelta = { ...(result.content || !toolCalls ? { content: result.content } : {}), ...(toolCalls ? { tool_calls: toolCalls } : {}) };
  return [writer.delta(result.model_id ?? requestedModel, delta), ...writer.end(result, requestedModel)];
}

/** One server-sent event. */
export function sseEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/** Server-sent events text for the chunks, ending with `data: [DONE]`. */
export function sseText(chunks: readonly unknown[]): string {
  return `${chunks.map(sseEvent).join('')}data: [DONE]\n\n`;
}

/** `GET /v1/models`: the configured models, and `auto` (let the scheduler route). */
export function modelList(models: readonly Pick<ModelConfig, 'id'>[]): Record<string, unknown> {
  return { object: 'list', data: [...models.map((m) => m.id), AUTO_MODEL].filter((id, i, all) => all.indexOf(id) === i).map((id) => modelObject({ id })) };
}

export function modelObject(model: Pick<ModelConfig, 'id'>): Record<string, unknown> {
  return { id: model.id, object: 'model', created: 0, owned_by: 'agentsched' };
}
