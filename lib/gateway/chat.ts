import type { IncomingHttpHeaders } from 'node:http';
import type { ClientRequestInput } from '../client/build.js';
import { CHAT_PARAMS } from '../contracts/chat.js';
import type { ChatMessage } from '../contracts/request.js';
import { GatewayHttpError } from './errors.js';
import { parsePriority, parseSessionId, parseTaskType, parseTimeoutMs } from './headers.js';

/** What the gateway asks the scheduler for one `POST /v1/chat/completions`. */
export interface ChatCall {
  input: ClientRequestInput;
  /** From `x-agentsched-timeout-ms`; the gateway's default when undefined. */
  timeoutMs: number | undefined;
  stream: boolean;
  /** `stream_options.include_usage`: a last chunk with the usage. */
  includeUsage: boolean;
  /** The `model` the caller named (echoed when the result names none). */
  requestedModel: string;
}

function invalid(param: string | null, message: string): GatewayHttpError {
  return new GatewayHttpError(400, 'invalid_request_error', 'invalid_request', message, { param });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Rough prompt size (4 characters a token) for `token_count`, which admission and rate limits read. */
export function estimateTokens(messages: readonly unknown[]): number {
  let chars = 0;
  for (const m of messages) {
    const content = isRecord(m) ? m['content'] : undefined;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) if (isRecord(part) && typeof part['text'] === 'string') chars += part['text'].length;
    }
  }
  return Math.ceil(chars / 4);
}

/** True when a message carries an image part: such a request defaults to `image_analysis`. */
export function hasImage(messages: readonly unknown[]): boolean {
  return messages.some(
    (m) => isRecord(m) && Array.isArray(m['content']) && m['content'].some((p) => isRecord(p) && p['type'] === 'image_url'),
  );
}

/**
 * Maps an OpenAI chat completion body (and the `x-agentsched-*` headers) to a request.
 * `model`: a configured model id pins `model_id`; any other name (`auto`, `gpt-4o`, …) lets the
 * scheduler route. The OpenAI parameters (tools, tool_choice, response_format, top_p, stop, seed,
 * max_completion_tokens, …) are forwarded as given; they, and the messages, are validated by the
 * request contract (a 400 naming the field). `n` > 1 is refused; other fields are dropped.
 */
export function chatCall(body: unknown, headers: IncomingHttpHeaders, modelIds: ReadonlySet<string>): ChatCall {
  if (!isRecord(body)) throw invalid(null, 'the body must be a JSON object');
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) throw invalid('messages', 'messages must be a non-empty array');
  const model = body['model'];
  if (model !== undefined && typeof model !== 'string') throw invalid('model', 'model must be a string');
  const n = body['n'];
  if (n !== undefined && n !== null && n !== 1) throw invalid('n', 'only n = 1 is supported');
  const stream = body['stream'];
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') throw invalid('stream', 'stream must be a boolean');
  const requestedModel = model ?? 'auto';

  const input: ClientRequestInput = {
    task_type: parseTaskType(headers, hasImage(messages) ? 'image_analysis' : 'text_generation'),
    priority: parsePriority(headers, body['priority']),
    messages: messages as ChatMessage[],
    token_count: estimateTokens(messages),
    metadata: { source: 'openai-gateway', requested_model: requestedModel },
  };
  if (modelIds.has(requestedModel)) input.model_id = requestedModel;
  const forwarded: Record<string, unknown> = {};
  for (const key of ['max_tokens', 'temperature', ...CHAT_PARAMS] as const) {
    const value = body[key];
    if (value !== undefined && value !== null) forwarded[key] = value;
  }
  if (stream === true) forwarded['stream'] = true;
  // Checked by buildRequest (the request contract) before anything is sent.
  Object.assign(input, forwarded);
  const sessionId = parseSessionId(headers, body['user']);
  if (sessionId !== undefined) input.session_id = sessionId;

  const options = body['stream_options'];
  return {
    input,
    timeoutMs: parseTimeoutMs(headers),
    stream: stream === true,
    includeUsage: stream === true && isRecord(options) && options['include_usage'] === true,
    requestedModel,
  };
}
