import { completionText, completionTokens, tokensOf } from './completion.js';
import type { ResolvedSimModel } from './types.js';

/** A function call the simulated model makes, in OpenAI's shape. */
export interface SimToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** What the simulated model answers to one chat request. */
export interface SimAnswer {
  content: string | null;
  toolCalls?: SimToolCall[];
  completionTokens: number;
  finishReason: 'stop' | 'length' | 'tool_calls';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value that fits a (simple) JSON Schema: objects get every property, strings say "sim". */
export function sampleOf(schema: unknown, depth = 0): unknown {
  if (!isRecord(schema) || depth > 6) return null;
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  if ('const' in schema) return schema['const'];
  const type: unknown = Array.isArray(schema['type']) ? (schema['type'] as unknown[])[0] : schema['type'];
  switch (type) {
    case 'object': {
      const props = isRecord(schema['properties']) ? schema['properties'] : {};
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sampleOf(v, depth + 1)]));
    }
    case 'array':
      return [sampleOf(schema['items'], depth + 1)];
    case 'string':
      return 'sim';
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    default:
      return isRecord(schema['properties']) ? sampleOf({ ...schema, type: 'object' }, depth) : null;
  }
}

/** The tool the request makes the model call, or undefined (no tools, `tool_choice: none`, or a tool result to answer). */
function toolToCall(body: Record<string, unknown>, messages: readonly unknown[]): Record<string, unknown> | undefined {
  const tools = Array.isArray(body['tools']) ? body['tools'].filter(isRecord) : [];
  const choice = body['tool_choice'];
  if (tools.length === 0 || choice === 'none') return undefined;
  const last = messages[messages.length - 1];
  // A tool loop's second turn: the model answers the tool's result in text.
  if (isRecord(last) && last['role'] === 'tool' && choice !== 'required') return undefined;
  const named = isRecord(choice) && isRecord(choice['function']) ? choice['function']['name'] : undefined;
  const fn = (t: Record<string, unknown>): Record<string, unknown> => (isRecord(t['function']) ? t['function'] : {});
  return fn(tools.find((t) => fn(t)['name'] === named) ?? tools[0]!);
}

/**
 * The simulated model's answer: a call of the first (or the chosen) tool when the request offers
 * tools and is not answering a tool result; JSON for `response_format` `json_object` /
 * `json_schema`; else text of `max_tokens` (or the default) tokens, `length` when that cut it short.
 */
export function simAnswer(cfg: ResolvedSimModel, body: Record<string, unknown>, messages: readonly unknown[], lastUser: string, newId: () => string): SimAnswer {
  const maxTokens = typeof body['max_completion_tokens'] === 'number' ? body['max_completion_tokens'] : typeof body['max_tokens'] === 'number' ? body['max_tokens'] : undefined;
  const tool = toolToCall(body, messages);
  if (tool) {
    const args = JSON.stringify(sampleOf(tool['parameters']) ?? {});
    const name = typeof tool['name'] === 'string' ? tool['name'] : 'tool';
    return { content: null, toolCalls: [{ id: `call_${newId()}`, type: 'function', function: { name, arguments: args } }], completionTokens: tokensOf(args), finishReason: 'tool_calls' };
  }
  const { tokens, finishReason } = completionTokens(cfg, maxTokens);
  const text = completionText(cfg.id, lastUser, tokens);
  const format = isRecord(body['response_format']) ? body['response_format'] : undefined;
  if (format?.['type'] === 'json_object' || format?.['type'] === 'json_schema') {
    const schema = isRecord(format['json_schema']) ? format['json_schema']['schema'] : undefined;
    const json = JSON.stringify(schema === undefined ? { model: cfg.id, answer: text } : sampleOf(schema));
    return { content: json, completionTokens: tokensOf(json), finishReason: 'stop' };
  }
  return { content: text, completionTokens: tokens, finishReason };
}
