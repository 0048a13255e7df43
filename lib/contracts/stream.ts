import { z } from 'zod';
import { LIMITS } from './limits.js';

/** Header of a stream chunk record on a reply topic (the final record, the result, has none). */
export const HEADER_STREAM = 'agentsched-stream';

/** A piece of a tool call as it streams: `index` names the call, the first piece carries id and name. */
export const ToolCallDeltaSchema = z.object({
  index: z.number().int().min(0),
  id: z.string().max(LIMITS.maxIdChars).optional(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().max(LIMITS.maxIdChars).optional(), arguments: z.string().optional() }).optional(),
});
export type ToolCallDelta = z.infer<typeof ToolCallDeltaSchema>;

/** What the model added since the previous chunk (coalesced: possibly several model chunks). */
export const StreamDeltaSchema = z.object({
  content: z.string().optional(),
  tool_calls: z.array(ToolCallDeltaSchema).optional(),
});
export type StreamDelta = z.infer<typeof StreamDeltaSchema>;

/**
 * One record of a streamed answer on the request's reply topic. `attempt` (the run of the request
 * that produced it), `started_at` and `stream_id` order runs: a consumer keeps the latest run and
 * drops chunks of an earlier one (see {@link StreamTracker}); `seq` counts from 0 within a run.
 * The stream ends with the request's result, published to the same topic and partition.
 */
export const StreamChunkSchema = z.object({
  correlation_id: z.string().min(1),
  id: z.string(),
  stream_id: z.string().min(1),
  attempt: z.number().int().min(0),
  started_at: z.number().int().min(0),
  seq: z.number().int().min(0),
  model_id: z.string(),
  delta: StreamDeltaSchema,
  finish_reason: z.string().nullable().optional(),
});
export type StreamChunk = z.infer<typeof StreamChunkSchema>;

/** What a consumer does with a chunk: part of the current run, the start of a newer run, or stale. */
export type ChunkVerdict = 'next' | 'restart' | 'stale';

function newer(a: Pick<StreamChunk, 'attempt' | 'started_at' | 'stream_id'>, b: Pick<StreamChunk, 'attempt' | 'started_at' | 'stream_id'>): boolean {
  if (a.attempt !== b.attempt) return a.attempt > b.attempt;
  if (a.started_at !== b.started_at) return a.started_at > b.started_at;
  return a.stream_id > b.stream_id;
}

/**
 * Orders the chunks of one request. A retried or re-run request streams again from `seq` 0 under a
 * new `stream_id`: the newer run (higher attempt, then later start) replaces the current one
 * (`restart`: drop what was shown of it); chunks of an older run, and repeated `seq`s, are `stale`.
 */
export class StreamTracker {
  private current: Pick<StreamChunk, 'attempt' | 'started_at' | 'stream_id'> | undefined;
  private lastSeq = -1;

  accept(chunk: StreamChunk): ChunkVerdict {
    const cur = this.current;
    if (!cur || cur.stream_id !== chunk.stream_id) {
      if (cur && !newer(chunk, cur)) return 'stale';
      this.current = { attempt: chunk.attempt, started_at: chunk.started_at, stream_id: chunk.stream_id };
      this.lastSeq = chunk.seq;
      return cur ? 'restart' : 'next';
    }
    if (chunk.seq <= this.lastSeq) return 'stale';
    this.lastSeq = chunk.seq;
    return 'next';
  }
}
