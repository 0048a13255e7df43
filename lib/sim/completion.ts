import type { ResolvedSimModel, SimModelOptions } from './types.js';

/** Defaults of a simulated model: a small vLLM-like instance. */
export const SIM_MODEL_DEFAULTS: Omit<ResolvedSimModel, 'id' | 'capacity'> = {
  latencyMs: 150,
  perTokenMs: 2,
  jitter: 0.1,
  defaultCompletionTokens: 64,
  maxCompletionTokens: 4096,
  failRate: 0,
  rateLimitRate: 0,
  retryAfterS: 1,
  stallRate: 0,
  stallMs: 30_000,
};

/** Applies defaults; rejects options no real server could have. */
export function resolveSimModel(options: SimModelOptions): ResolvedSimModel {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const model = { ...SIM_MODEL_DEFAULTS, ...defined } as ResolvedSimModel;
  if (!model.id) throw new Error('simulated model needs an id');
  if (!Number.isInteger(model.capacity) || model.capacity < 1) {
    throw new Error(`simulated model ${model.id}: capacity must be an integer >= 1`);
  }
  for (const rate of ['failRate', 'rateLimitRate', 'stallRate', 'jitter'] as const) {
    if (!(model[rate] >= 0 && model[rate] <= 1)) throw new Error(`simulated model ${model.id}: ${rate} must be within 0..1`);
  }
  for (const ms of ['latencyMs', 'perTokenMs', 'stallMs', 'retryAfterS'] as const) {
    if (!(model[ms] >= 0)) throw new Error(`simulated model ${model.id}: ${ms} must be >= 0`);
  }
  return model;
}

/** Text of a message's content: a string, or the `text` of its content parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => {
      const text = part && typeof part === 'object' ? (part as Record<string, unknown>)['text'] : undefined;
      return typeof text === 'string' ? text : '';
    })
    .join(' ');
}

/** All prompt text of a chat request (for token counts) and the last user message (for the answer). */
export function promptOf(messages: readonly unknown[]): { all: string; lastUser: string } {
  let all = '';
  let lastUser = '';
  for (const m of messages) {
    if (!m || typeof m !== 'object') continue;
    const record = m as Record<string, unknown>;
    const text = contentText(record['content']);
    all += text;
    if (record['role'] === 'user') lastUser = text;
  }
  return { all, lastUser: lastUser || all };
}

/** About four characters per token, at least one token. */
export function tokensOf(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/**
 * Completion length: `max_tokens` when given (capped), else the model's default. An answer wants
 * at least the default length: a `max_tokens` below it (or above the cap) cuts it, reported as
 * finish_reason `length`, as a real model reports hitting its limit.
 */
export function completionTokens(
  model: Pick<ResolvedSimModel, 'defaultCompletionTokens' | 'maxCompletionTokens'>,
  maxTokens: number | undefined,
): { tokens: number; finishReason: 'stop' | 'length' } {
  if (maxTokens === undefined) return { tokens: model.defaultCompletionTokens, finishReason: 'stop' };
  const tokens = Math.max(1, Math.min(Math.floor(maxTokens), model.maxCompletionTokens));
  return { tokens, finishReason: tokens < maxTokens || tokens < model.defaultCompletionTokens ? 'length' : 'stop' };
}

const FILLER = ' lorem ipsum dolor sit amet';

/**
 * `[<model>] answer to: <first 60 chars of the prompt>` padded with filler to about `tokens` × 4
 * characters, so the text length matches the usage it reports.
 */
export function completionText(modelId: string, prompt: string, tokens: number): string {
  const head = `[${modelId}] answer to: ${prompt.replace(/\s+/g, ' ').trim().slice(0, 60).trimEnd()}`;
  const target = tokens * 4;
  let text = head;
  while (text.length < target) text += FILLER;
  return text.length > target && target >= head.length ? text.slice(0, target) : text;
}

/** prefill + per-token decode, jittered by ±jitter (uniform), never negative. */
export function simLatencyMs(
  model: Pick<ResolvedSimModel, 'latencyMs' | 'perTokenMs' | 'jitter'>,
  tokens: number,
  random: () => number,
): number {
  const base = model.latencyMs + model.perTokenMs * tokens;
  return Math.max(0, Math.round(base * (1 + model.jitter * (2 * random() - 1))));
}

/** The body of a 200 answer, in OpenAI's `chat.completion` shape. */
export function completionBody(args: {
  id: string;
  model: string;
  created: number;
  content: string | null;
  promptTokens: number;
  completionTokens: number;
  finishReason: string;
  toolCalls?: readonly unknown[];
}): Record<string, unknown> {
  return {
    id: args.id,
    object: 'chat.completion',
    created: args.created,
    model: args.model,
    choices: [{ index: 0, message: { role: 'assistant', content: args.content, ...(args.toolCalls ? { tool_calls: args.toolCalls } : {}) }, finish_reason: args.finishReason, logprobs: null }],
    usage: {
      prompt_tokens: args.promptTokens,
      completion_tokens: args.completionTokens,
      total_tokens: args.promptTokens + args.completionTokens,
    },
  };
}

/** An OpenAI-style error body. */
export function errorBody(message: string, type: string, code: string | null = null): Record<string, unknown> {
  return { error: { message, type, param: null, code } };
}
