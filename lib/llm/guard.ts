import type OpenAI from 'openai';
import type { ModelConfig } from '../config/schema.js';
import type { ChatHttpClient } from './chat-http.js';
import { classifyError, LlmCallError } from './errors.js';
import type { LlmClientPool } from './pool.js';

/** Options shared by one-shot and streamed calls. */
export interface GuardOptions {
  /** Whole-call timeout (headers and body), milliseconds; `model.timeout_ms`, when set and smaller, wins. */
  timeoutMs: number;
  /** Aborts the call from outside (e.g. the invocation is running out of time). */
  signal?: AbortSignal;
}

/** What a guarded call gets: the pooled clients, a signal that fires on timeout or abort, and the timeout. */
export interface Guarded {
  client: OpenAI;
  chat: ChatHttpClient;
  signal: AbortSignal;
  timeoutMs: number;
}

/**
 * Runs `fn` with `model`'s pooled client under one whole-call timeout (it covers the body too, so a
 * stream that stalls is cut) and the caller's abort signal. Rejects with an {@link LlmCallError}
 * whose `kind` tells the scheduler what to do; the API key is redacted from every message.
 */
export async function guardedCall<T>(pool: LlmClientPool, model: ModelConfig, options: GuardOptions, fn: (g: Guarded) => Promise<T>): Promise<T> {
  const timeoutMs = Math.max(1, Math.ceil(Math.min(options.timeoutMs, model.timeout_ms ?? Number.POSITIVE_INFINITY)));
  let apiKey: string | undefined;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort();
  try {
    const { client, chat } = await pool.clientsFor(model);
    apiKey = chat.apiKey;
    return await fn({ client, chat, signal: controller.signal, timeoutMs });
  } catch (err) {
    if (timedOut) throw new LlmCallError('timeout', `LLM call timed out after ${timeoutMs} ms`);
    throw classifyError(err, { secrets: apiKey ? [apiKey] : [] });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
