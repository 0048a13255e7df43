import { z } from 'zod';
import { ChatMessageSchema, ChatParamsShape } from './chat.js';
import { LIMITS } from './limits.js';

export const TASK_TYPES = ['text_generation', 'image_analysis', 'data_processing'] as const;
export const PRIORITIES = ['high', 'medium', 'low'] as const;

export const TaskTypeSchema = z.enum(TASK_TYPES);
export const PrioritySchema = z.enum(PRIORITIES);
export type TaskType = z.infer<typeof TaskTypeSchema>;
export type Priority = z.infer<typeof PrioritySchema>;

const id = z.string().min(1).max(LIMITS.maxIdChars);
export const TopicNameSchema = z
  .string()
  .min(1)
  .max(LIMITS.maxTopicChars)
  .regex(/^[a-zA-Z0-9._-]+$/, 'not a valid Kafka topic name');

export { ChatMessageSchema } from './chat.js';
export type { ChatMessage } from './chat.js';

export const CONTENT_OR_MESSAGES = 'either content or messages is required';

/** The rule the exported JSON Schema states as `anyOf` (lib/contracts/json-schema.ts). */
function hasPrompt(r: { content: string; messages?: readonly unknown[] | undefined }): boolean {
  return r.content.length > 0 || (r.messages?.length ?? 0) > 0;
}

/**
 * An agent request, as the original Python agents send it (`id`, `task_type`, `priority`,
 * `content`, `token_count`, `correlation_id`, `model_id`, `status`) plus optional fields that old
 * agents never send: the OpenAI chat parameters (lib/contracts/chat.ts) are passed to the model
 * unchanged. Unknown fields are stripped: they never reach the LLM call.
 */
export const AgentRequestSchema = z
  .object({
    id,
    task_type: TaskTypeSchema,
    priority: PrioritySchema,
    content: z.string().max(LIMITS.maxContentChars).default(''),
    token_count: z.number().int().min(0).max(10_000_000).default(0),
    correlation_id: id,
    model_id: id.nullable().optional(),
    status: z.string().max(64).nullable().optional(),
    messages: z.array(ChatMessageSchema).min(1).max(LIMITS.maxMessages).optional(),
    max_tokens: z.number().int().min(1).max(1_000_000).optional(),
    temperature: z.number().min(0).max(2).optional(),
    ...ChatParamsShape,
    reply_topic: TopicNameSchema.optional(),
    deadline_ms: z.number().int().positive().optional().describe('Absolute deadline, epoch milliseconds'),
    timeout_ms: z.number().int().positive().max(86_400_000).optional().describe('Deadline relative to the record timestamp'),
    session_id: id.optional(),
    metadata: z
      .record(z.string(), z.unknown())
      .refine((m) => JSON.stringify(m).length <= LIMITS.maxMetadataChars, {
        message: `larger than ${LIMITS.maxMetadataChars} characters`,
      })
      .optional(),
  })
  .refine(hasPrompt, { message: CONTENT_OR_MESSAGES, path: ['content'] });

/** A validated request (defaults applied). */
export type AgentRequest = z.infer<typeof AgentRequestSchema>;
/** What an agent may send (defaults not yet applied). */
export type AgentRequestInput = z.input<typeof AgentRequestSchema>;
