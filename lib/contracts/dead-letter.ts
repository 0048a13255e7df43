import { z } from 'zod';
import { ResultErrorSchema } from './result.js';

/** Where a record came from, so an operator can find and replay it. */
export const RecordSourceSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  timestamp: z.number().optional(),
});
export type RecordSource = z.infer<typeof RecordSourceSchema>;

/** A record that can never succeed as it is: the raw bytes and the reason, on the dead-letter topic. */
export const DeadLetterSchema = z.object({
  reason: ResultErrorSchema,
  source: RecordSourceSchema,
  request_id: z.string().nullable(),
  correlation_id: z.string().nullable(),
  key_base64: z.string().nullable(),
  value_base64: z.string(),
  headers: z.record(z.string(), z.string()),
  attempts: z.number().int().min(0),
  dead_lettered_at: z.string(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;
