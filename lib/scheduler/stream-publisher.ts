import { randomUUID } from 'node:crypto';
import type { ModelConfig } from '../config/schema.js';
import type { AgentRequest } from '../contracts/request.js';
import { HEADER_STREAM } from '../contracts/stream.js';
import type { StreamChunk, StreamDelta, ToolCallDelta } from '../contracts/stream.js';
import type { QueueItem } from '../queue/types.js';
import type { LlmAnswer, LlmCallOptions, SchedulerDeps } from './deps.js';
import { HEADER_CORRELATION, recordOf } from './entry.js';

/** Pieces of a stream arriving within this long are sent as one record (a few records per 100 ms). */
export const STREAM_FLUSH_MS = 40;

/** Where a request's chunks go, when it asked to stream and may: its own reply topic, never `results`. */
export function streamTopic(deps: Pick<SchedulerDeps, 'outbox' | 'config'>, request: AgentRequest): string | undefined {
  const topic = request.reply_topic;
  if (request.stream !== true || !topic || topic === deps.config.kafka.topics.results) return undefined;
  return deps.outbox.replyAllowed(topic) ? topic : undefined;
}

/**
 * One model call of `request`, streamed to its reply topic when it asked for `stream: true`:
 * pieces are coalesced ({@link STREAM_FLUSH_MS}) and published in order, each record numbered
 * (`seq`) and stamped with this run (`attempt`, `stream_id`, `started_at`), all before the call
 * resolves — so the result, published next on the same topic and key, is the stream's last record.
 * A chunk that cannot be published stops the stream (never a gap); the call and its result go on.
 */
export async function callModelStreaming(deps: SchedulerDeps, spec: ModelConfig, request: AgentRequest, item: QueueItem, attempt: number, opts: LlmCallOptions): Promise<LlmAnswer> {
  const topic = streamTopic(deps, request);
  if (!topic) return deps.llm.call(spec, request, opts);
  const chunks = new ChunkPublisher(deps, topic, item, { id: request.id, correlation_id: request.correlation_id, attempt, model_id: spec.id });
  try {
    const answer = await deps.llm.call(spec, request, { ...opts, onDelta: (d, f) => chunks.push(d, f) });
    await chunks.close();
    return answer;
  } catch (err) {
    await chunks.abort();
    throw err;
  }
}

type ChunkHead = Pick<StreamChunk, 'id' | 'correlation_id' | 'attempt' | 'model_id'>;

class ChunkPublisher {
  private readonly head: Omit<StreamChunk, 'seq' | 'delta' | 'finish_reason'>;
  private readonly key: string;
  private content = '';
  private toolCalls: ToolCallDelta[] = [];
  private finishReason: string | null = null;
  private pending = false;
  private seq = 0;
  private lastFlush = -Infinity;
  private flushing: Promise<void> | undefined;
  private tail: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly topic: string,
    item: QueueItem,
    head: ChunkHead,
  ) {
    this.head = { ...head, stream_id: randomUUID(), started_at: Math.max(0, Math.floor(deps.clock.now())) };
    // The result's key (lib/scheduler/outbox.ts): chunks and result share a partition, so they stay in order.
    const key = recordOf(item).key;
    this.key = key ? key.toString('utf8') : head.correlation_id;
  }

  push(delta: StreamDelta, finishReason: string | null): void {
    if (this.stopped) return;
    if (delta.content) this.content += delta.content;
    for (const call of delta.tool_calls ?? []) this.addToolCall(call);
    if (finishReason) this.finishReason = finishReason;
    this.pending = true;
    if (this.flushing) return;
    // The first piece goes at once (time to first token); later ones wait out the window.
    const waitMs = Math.max(0, this.lastFlush + STREAM_FLUSH_MS - this.deps.clock.now());
    this.flushing = (waitMs > 0 ? this.deps.clock.sleep(waitMs) : Promise.resolve()).then(() => {
      this.flushing = undefined;
      this.flush();
    });
  }

  /** Publishes what is left; resolves when every chunk is acknowledged (or the stream stopped). */
  async close(): Promise<void> {
    await this.flushing;
    this.flush();
    await this.tail;
  }

  /** The call failed: what is buffered is dropped (the next run streams again from the start). */
  async abort(): Promise<void> {
    this.stopped = true;
    await this.flushing;
    await this.tail;
  }

  private addToolCall(call: ToolCallDelta): void {
    const last = this.toolCalls[this.toolCalls.length - 1];
    if (last && last.index === call.index && call.id === undefined && call.function?.name === undefined) {
      last.function = { ...last.function, arguments: (last.function?.arguments ?? '') + (call.function?.arguments ?? '') };
      return;
    }
    this.toolCalls.push({ ...call, ...(call.function ? { function: { ...call.function } } : {}) });
  }

  private flush(): void {
    if (!this.pending || this.stopped) return;
    const delta: StreamDelta = {};
    if (this.content) delta.content = this.content;
    if (this.toolCalls.length > 0) delta.tool_calls = this.toolCalls;
    const chunk: StreamChunk = { ...this.head, seq: this.seq++, delta, finish_reason: this.finishReason };
    this.content = '';
    this.toolCalls = [];
    this.pending = false;
    this.lastFlush = this.deps.clock.now();
    const record = {
      topic: this.topic,
      key: this.key,
      value: JSON.stringify(chunk),
      headers: { [HEADER_CORRELATION]: chunk.correlation_id, [HEADER_STREAM]: String(chunk.attempt) },
    };
    const dims = { model: chunk.model_id, priority: 'none' };
    this.tail = this.tail.then(async () => {
      if (this.stopped) return;
      try {
        await this.deps.publisher.publish([record]);
        this.deps.metrics.add('stream_chunks', dims);
      } catch (err) {
        this.stopped = true;
        this.deps.metrics.add('stream_failed', dims);
        this.deps.logger.warn('stream chunk not published; the rest of this stream is dropped, the result still goes out', {
          correlationId: chunk.correlation_id,
          error: (err as Error).message,
        });
      }
    });
  }
}
