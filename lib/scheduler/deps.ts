import type { CapacityStore } from '../capacity/types.js';
import type { Config, ModelConfig } from '../config/schema.js';
import type { ToolCall } from '../contracts/chat.js';
import type { AgentRequest } from '../contracts/request.js';
import type { StreamDelta } from '../contracts/stream.js';
import type { Usage } from '../contracts/result.js';
import type { RecordPublisher } from '../kafka/publisher.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import type { Router } from '../routing/router.js';
import type { WorkQueue } from '../queue/types.js';
import type { CallInvoker } from './call-event.js';
import type { Outbox } from './outbox.js';
import type { SnapshotCache } from './snapshots.js';

/** What one model call returns. */
export interface LlmAnswer {
  content: string;
  usage: Usage;
  latencyMs: number;
  toolCalls?: ToolCall[];
  finishReason?: string | null;
}

/** Options of one model call; with `onDelta` the call streams and hands on each piece as it arrives. */
export interface LlmCallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onDelta?: (delta: StreamDelta, finishReason: string | null) => void;
}

/** The LLM port: one call to one model; throws `LlmCallError` (lib/llm) on failure. */
export interface LlmInvoker {
  call(model: ModelConfig, request: AgentRequest, opts: LlmCallOptions): Promise<LlmAnswer>;
  /** Closes pooled connections (local runs and tests; a Lambda container never closes). */
  close?(): Promise<void>;
}

/** Structured logging; Powertools' Logger fits. Never pass prompt text or keys in `extra`. */
export interface SchedulerLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export const silentLogger: SchedulerLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Everything the scheduler core needs, created once per container and shared by invocations. */
export interface SchedulerDeps {
  config: Config;
  store: CapacityStore;
  /** The wait queue, which is also each request's durable record until its answer is published. */
  queue: WorkQueue;
  /** Starts `functions/call` for leased slots (async invoke: a doorbell, not a store). */
  calls: CallInvoker;
  publisher: RecordPublisher;
  /** Results, reply topics and dead letters, over `publisher`. */
  outbox: Outbox;
  llm: LlmInvoker;
  router: Router;
  /** The fleet as last read from the capacity table, shared by concurrent invocations. */
  snapshots: SnapshotCache;
  metrics: MetricsRecorder;
  logger: SchedulerLogger;
  clock: Clock;
  random: () => number;
  /** Identifies this container; each call claims its requests in the queue as `<ownerId>/<uuid>`. */
  ownerId: string;
  /** DynamoDB calls made so far, by command name: counted only when given to the factory (`dev --stats-port`). */
  tableOps?: Map<string, number>;
  /** Releases connections (local runs and tests; a Lambda container is simply frozen). */
  close?(): Promise<void>;
}

/** Per-invocation facts. */
export interface InvocationContext {
  /** Milliseconds before the platform stops this invocation. */
  remainingMs(): number;
  requestId?: string;
}
