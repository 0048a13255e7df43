import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { AgentRequest, ChatMessage } from '../contracts/request.js';

/** The request fields an LLM call reads. A full `AgentRequest` is accepted wherever this is. */
export type LlmRequest = Pick<AgentRequest, 'content' | 'messages' | 'max_tokens' | 'temperature'>;

/** Token counts as OpenAI reports them. */
export interface LlmUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/**
 * The chat messages sent upstream: `messages` when given, else `content` as one user message.
 * Only the fields OpenAI defines are copied, so nothing else of the request reaches the model.
 */
export function buildMessages(request: LlmRequest): ChatCompletionMessageParam[] {
  if (request.messages && request.messages.length > 0) {
    return request.messages.map((m) => {
      const out: Record<string, unknown> = { role: m.role, content: m.content };
      if (m.name !== undefined) out['name'] = m.name;
      if (m.tool_call_id !== undefined) out['tool_call_id'] = m.tool_call_id;
      // The contract validated role and content; the SDK's union is stricter per role than zod's.
      return out as unknown as ChatCompletionMessageParam;
    });
  }
  return [{ role: 'user', content: request.content }];
}

function messageChars(m: Pick<ChatMessage, 'content'>): number {
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
