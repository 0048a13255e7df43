import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { CHAT_PARAMS } from '../contracts/chat.js';
import type { AgentRequest, ChatMessage } from '../contracts/request.js';

/** The request fields an LLM call reads. A full `AgentRequest` is accepted wherever this is. */
export type LlmRequest = Pick<AgentRequest, 'content' | 'messages' | 'max_tokens' | 'temperature' | (typeof CHAT_PARAMS)[number]>;

/** Token counts as OpenAI reports them. */
export interface LlmUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: Record<string, unknown> | null;
  completion_tokens_details?: Record<string, unknown> | null;
}

/**
 * The chat messages sent upstream: `messages` when given, else `content` as one user message.
 * Only the fields OpenAI defines are copied (the contract's per-role schemas list them), so nothing
 * else of the request reaches the model.
 */
export function buildMessages(request: LlmRequest): ChatCompletionMessageParam[] {
  if (request.messages && request.messages.length > 0) {
    return request.messages.map((m) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(m)) if (MESSAGE_FIELDS.has(key) && value !== undefined) out[key] = value;
      // The contract validated each role's fields; the SDK's content-part types are stricter than zod's pass-through parts.
      return out as unknown as ChatCompletionMessageParam;
    });
  }
  return [{ role: 'user', content: request.content }];
}

/** Every field of a chat message OpenAI defines (lib/contracts/chat.ts). */
const MESSAGE_FIELDS = new Set(['role', 'content', 'name', 'tool_call_id', 'tool_calls', 'refusal']);

function messageChars(m: Pick<ChatMessage, 'content'>): number {
  if (m.content === null || m.content === undefined) return 0;
  if (typeof m.content === 'string') return m.content.length;
  return m.content.reduce((n, part) => n + (typeof part['text'] === 'string' ? part['text'].length : 0), 0);
}

/** Rough token count of a text: about four characters per token for English text. */
export function estimateTokens(chars: number): number {
  return Math.ceil(Math.max(0, chars) / 4);
}

/**
 * Usage estimated from character counts, for endpoints that do not report it. Good enough for
 * rate-limit accounting, not for billing; callers flag it as estimated.
 */
export function estimateUsage(request: LlmRequest, completion: string): LlmUsage {
  const promptChars = request.messages?.length
    ? request.messages.reduce((n, m) => n + messageChars(m), 0)
    : request.content.length;
  const prompt_tokens = estimateTokens(promptChars);
  const completion_tokens = estimateTokens(completion.length);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}
