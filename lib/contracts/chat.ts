import { z } from 'zod';
import { LIMITS } from './limits.js';

// OpenAI chat completion request objects, as documented in the API reference
// (https://platform.openai.com/docs/api-reference/chat/create). Validated here, passed to the model
// unchanged; fields we do not know are stripped, so nothing unexpected reaches a model.

const name = z.string().min(1).max(LIMITS.maxIdChars);
const text = z.string().max(LIMITS.maxContentChars);
/** Content parts (text, image_url, input_audio, file, …) are passed through unchanged. */
const parts = z.array(z.record(z.string(), z.unknown())).max(64);
const content = z.union([text, parts]);

/** One call the model asked for: `arguments` is the JSON text the model wrote. */
export const ToolCallSchema = z.object({
  id: z.string().min(1).max(LIMITS.maxIdChars),
  type: z.literal('function'),
  function: z.object({ name, arguments: z.string().max(LIMITS.maxContentChars) }),
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

const SystemMessage = z.object({ role: z.enum(['system', 'developer']), content, name: name.optional() });
const UserMessage = z.object({ role: z.literal('user'), content, name: name.optional() });
/** An assistant turn: `content` may be null or absent when it carries `tool_calls` (a tool loop's second turn). */
const AssistantMessage = z.object({
  role: z.literal('assistant'),
  content: content.nullable().optional(),
  name: name.optional(),
  refusal: z.string().max(LIMITS.maxContentChars).nullable().optional(),
  tool_calls: z.array(ToolCallSchema).max(LIMITS.maxToolCalls).optional(),
});
/** A tool's answer to one of the assistant's `tool_calls`. */
const ToolMessage = z.object({ role: z.literal('tool'), content, tool_call_id: z.string().max(LIMITS.maxIdChars).optional() });

/** An OpenAI chat message, by role. */
export const ChatMessageSchema = z.discriminatedUnion('role', [SystemMessage, UserMessage, AssistantMessage, ToolMessage]);
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** A function the model may call; `parameters` is a JSON Schema, passed through unchanged. */
export const ToolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name,
    description: z.string().max(LIMITS.maxContentChars).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});
export type Tool = z.infer<typeof ToolSchema>;

export const ToolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name }) }),
]);

export const ResponseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name,
      description: z.string().max(LIMITS.maxContentChars).optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

/**
 * The OpenAI chat parameters a request may carry besides messages, `max_tokens` and `temperature`;
 * each is sent to the model as given. `stream` asks for the answer's tokens on the reply topic as
 * they are generated (the results topic still gets one complete result).
 */
export const ChatParamsShape = {
  tools: z.array(ToolSchema).min(1).max(LIMITS.maxTools).optional(),
  tool_choice: ToolChoiceSchema.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: ResponseFormatSchema.optional(),
  top_p: z.number().min(0).max(1).optional(),
  stop: z.union([z.string().max(1_000), z.array(z.string().max(1_000)).max(4)]).optional(),
  seed: z.number().int().optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  logit_bias: z.record(z.string().max(32), z.number().min(-100).max(100)).optional(),
  logprobs: z.boolean().optional(),
  top_logprobs: z.number().int().min(0).max(20).optional(),
  reasoning_effort: z.enum(['minimal', 'low', 'medium', 'high']).optional(),
  user: z.string().max(LIMITS.maxIdChars).optional(),
  max_completion_tokens: z.number().int().min(1).max(1_000_000).optional(),
  n: z.literal(1).optional(),
  stream: z.boolean().optional(),
} as const;

/** The parameter names of {@link ChatParamsShape}, in the order they are forwarded. */
export const CHAT_PARAMS = Object.keys(ChatParamsShape).filter((k) => k !== 'stream') as Exclude<keyof typeof ChatParamsShape, 'stream'>[];
