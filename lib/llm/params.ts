import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { CHAT_PARAMS } from '../contracts/chat.js';
import type { ModelConfig } from '../config/schema.js';
import { buildMessages } from './messages.js';
import type { LlmRequest } from './messages.js';

/**
 * The chat completion body for `model`: the messages, and every OpenAI parameter the request
 * carries, as given (`max_completion_tokens` stays `max_completion_tokens`: reasoning models refuse
 * `max_tokens`). Only the contract's fields are read, so nothing else of the request reaches the model.
 */
export function buildChatParams(model: Pick<ModelConfig, 'id' | 'model'>, request: LlmRequest): ChatCompletionCreateParamsNonStreaming {
  const body: Record<string, unknown> = { model: model.model ?? model.id, messages: buildMessages(request) };
  if (request.max_tokens !== undefined) body['max_tokens'] = request.max_tokens;
  if (request.temperature !== undefined) body['temperature'] = request.temperature;
  for (const key of CHAT_PARAMS) {
    const value = request[key];
    if (value !== undefined) body[key] = value;
  }
  // The contract validated every field; the SDK's param types are stricter unions than zod's output.
  return body as unknown as ChatCompletionCreateParamsNonStreaming;
}
