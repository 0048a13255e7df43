import type { ModelConfig } from '../config/schema.js';
import { classifyError, LlmCallError } from './errors.js';
import { buildMessages, estimateUsage } from './messages.js';
import type { LlmRequest, LlmUsage } from './messages.js';
import type { LlmClientPool } from './pool.js';

/** A completed LLM call. */
export interface LlmCallResult {
  /** The completion text ('' when the model answered with no text, e.g. only tool calls). */
  content: string;
  usage: LlmUsage;
  /** True when the endpoint reported no usage and `usage` was estimated from character counts. */
  usageEstimated: boolean;
  /** Wall time of the call, from sending to the parsed response. */
  latencyMs: number;
  finishReason: string | null;
}

/** Options of {@link callModel}. */
export interface CallModelOptions {
  /** Whole-call timeout (headers and body), milliseconds; `model.timeout_ms`, when set and smaller, wins. */
  timeoutMs: number;
  /** Aborts the call from outside (e.g. the invocation is running out of time). */
  signal?: AbortSignal;
  /** Monotonic clock for `latencyMs`. Default `performance.now`. */
  now?: () => number;
}

/**
 * Sends one chat completion to `model` through the pooled client of its endpoint.
 * Resolves with the completion; rejects with an {@link LlmCallError} whose `kind` tells the
 * scheduler whether to retry elsewhere (rate_limited, server_error, timeout, connection) or to
 * answer `failed` (rejected). Neither the prompt nor the API key is logged or put in an error.
 */
export async function callModel(
  pool: LlmClientPool,
  model: ModelConfig,
  request: LlmRequest,
  options: CallModelOptions,
): Promise<LlmCallResult> {
  const now = options.now ?? (() => performance.now());
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
  const started = now();
  try {
    const client = await pool.clientFor(model);
    apiKey = client.apiKey ?? undefined;
    const completion = await client.chat.completions.create(
      {
        model: model.model ?? model.id,
        messages: buildMessages(request),
        ...(request.max_tokens === undefined ? {} : { max_tokens: request.max_tokens }),
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      },
      // The SDK's timeout only covers the wait for headers; our signal also covers the body.
      { timeout: timeoutMs, signal: controller.signal, maxRetries: 0 },
    );
    const choice = completion.choices?.[0];
    if (!choice) throw new LlmCallError('server_error', 'LLM endpoint answered without choices');
    const content = choice.message?.content ?? '';
    const reported = completion.usage;
    const usage: LlmUsage = reported
      ? {
          prompt_tokens: reported.prompt_tokens,
          completion_tokens: reported.completion_tokens,
          total_tokens: reported.total_tokens ?? reported.prompt_tokens + reported.completion_tokens,
        }
      : estimateUsage(request, content);
    return {
      content,
      usage,
      usageEstimated: !reported,
      latencyMs: Math.max(0, now() - started),
      finishReason: choice.finish_reason ?? null,
    };
  } catch (err) {
    if (timedOut) throw new LlmCallError('timeout', `LLM call timed out after ${timeoutMs} ms`);
    throw classifyError(err, { secrets: apiKey ? [apiKey] : [] });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
