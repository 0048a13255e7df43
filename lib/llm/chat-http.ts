import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { Dispatcher } from 'undici';

/** undici's codes for its own header and body timeouts. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The one-shot chat completion (`POST <baseURL>/chat/completions`) sent straight on the endpoint's
 * pooled undici dispatcher. It is the hot path of every model call, and the OpenAI SDK's fetch
 * path (WHATWG fetch, web streams, its request builder) costs ~0.45 ms more CPU per call than this
 * (0.61 against 0.16 ms, simulated server included: `npm run bench -- llm`, bench/results/llm.json). Failures are thrown as
 * the SDK's own error classes (`APIError.generate` for an HTTP status, `APIConnectionError`,
 * `APIConnectionTimeoutError`), so `classifyError` maps them exactly as it maps the SDK's; the
 * streamed path still uses the SDK client.
 */
export class ChatHttpClient {
  private readonly origin: string;
  private readonly path: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly dispatcher: Dispatcher,
    baseURL: string,
    readonly apiKey: string,
  ) {
    const url = new URL(`${baseURL.replace(/\/+$/, '')}/chat/completions`);
    this.origin = url.origin;
    this.path = `${url.pathname}${url.search}`;
    this.headers = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${apiKey}` };
  }

  /** Sends one completion; `timeoutMs` bounds the wait for headers and for each piece of the body. */
  async create(params: ChatCompletionCreateParamsNonStreaming, opts: { signal: AbortSignal; timeoutMs: number }): Promise<ChatCompletion> {
    let res: Dispatcher.ResponseData;
    try {
      res = await this.dispatcher.request({
        origin: this.origin,
        path: this.path,
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify(params),
        signal: opts.signal,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
    } catch (err) {
      throw transportError(err);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw transportError(err);
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      // As the SDK builds it: a JSON body as the error object, any other body as the message.
      const json = safeJson(text);
      throw APIError.generate(res.statusCode, json, json === undefined ? text : undefined, headersOf(res.headers));
    }
    // A 2xx body that is not JSON throws SyntaxError: `classifyError` answers server_error.
    return JSON.parse(text) as ChatCompletion;
  }
}

function transportError(err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  // An abort (the guard's timeout or the caller's signal) is the guard's to classify.
  if (e.name === 'AbortError') return e;
  if (TIMEOUT_CODES.has((e as { code?: unknown }).code as string)) return new APIConnectionTimeoutError();
  return new APIConnectionError({ cause: e });
}

function safeJson(text: string): object | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

function headersOf(raw: Dispatcher.ResponseData['headers']): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  }
  return out;
}
