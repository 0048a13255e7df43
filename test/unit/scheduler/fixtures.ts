import { MemoryCapacityStore } from '../../../lib/capacity/memory-store.js';
import { optionsFromConfig } from '../../../lib/capacity/options.js';
import type { CapacityStore } from '../../../lib/capacity/types.js';
import { parseConfig } from '../../../lib/config/load.js';
import type { Config, ModelConfig, ModelConfigInput } from '../../../lib/config/schema.js';
import type { AgentRequest, AgentRequestInput } from '../../../lib/contracts/request.js';
import type { AgentResult } from '../../../lib/contracts/result.js';
import type { DecodedRecord } from '../../../lib/kafka/event.js';
import { MemoryPublisher } from '../../../lib/kafka/memory-publisher.js';
import { LlmCallError } from '../../../lib/llm/errors.js';
import { InMemoryMetrics } from '../../../lib/metrics/recorder.js';
import { createRouter } from '../../../lib/routing/router.js';
import type { LlmAnswer, LlmInvoker, SchedulerDeps } from '../../../lib/scheduler/deps.js';
import { silentLogger, systemClock } from '../../../lib/scheduler/deps.js';
import { InProcessCallInvoker } from '../../../lib/local/call-invoker.js';
import { MemoryWorkQueue } from '../../../lib/queue/memory-queue.js';
import type { WorkQueue } from '../../../lib/queue/types.js';
import type { CallInvoker } from '../../../lib/scheduler/call-event.js';
import { createInProcessCallRunner } from '../../../lib/scheduler/handler.js';
import { Outbox } from '../../../lib/scheduler/outbox.js';
import { SnapshotCache } from '../../../lib/scheduler/snapshots.js';

export function model(id: string, capacity: number, extra: Partial<ModelConfigInput> = {}): ModelConfigInput {
  return { id, endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation', 'data_processing', 'image_analysis'], capacity, ...extra };
}

export function testConfig(models: ModelConfigInput[], extra: Record<string, unknown> = {}): Config {
  return parseConfig(
    { models, scheduler: { backoff_base_ms: 1, backoff_max_ms: 5, republish_margin_ms: 0 }, ...extra },
    'test',
  );
}

let offset = 0;
export function record(body: Partial<AgentRequestInput> | string, overrides: Partial<DecodedRecord> = {}): DecodedRecord {
  const full =
    typeof body === 'string'
      ? body
      : JSON.stringify({
          id: `task_${offset}`,
          task_type: 'text_generation',
          priority: 'medium',
          content: 'Explain the concept of artificial intelligence.',
          token_count: 20,
          correlation_id: `corr-${offset}`,
          model_id: null,
          status: null,
          ...body,
        });
  const parsed = typeof body === 'string' ? {} : (JSON.parse(full) as { priority?: string; correlation_id?: string });
  offset += 1;
  return {
    topic: `${parsed.priority ?? 'high'}_priority`,
    partition: 0,
    offset: String(offset),
    timestamp: Date.now(),
    key: null,
    value: Buffer.from(full),
    headers: parsed.correlation_id ? { correlation_id: parsed.correlation_id } : {},
    ...overrides,
  };
}

type Behaviour = (model: ModelConfig, request: AgentRequest) => Promise<LlmAnswer>;

/** A fake fleet that records every call and the peak concurrency per model. */
export class FakeLlm implements LlmInvoker {
  readonly calls: { model: string; id: string; priority: string }[] = [];
  readonly inFlight = new Map<string, number>();
  readonly peak = new Map<string, number>();
  behaviour: Behaviour = async (m, r) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { content: `answer from ${m.id} to ${r.id}`, usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }, latencyMs: 5 };
  };

  async call(model: ModelConfig, request: AgentRequest): Promise<LlmAnswer> {
    this.calls.push({ model: model.id, id: request.id, priority: request.priority });
    const n = (this.inFlight.get(model.id) ?? 0) + 1;
    this.inFlight.set(model.id, n);
    this.peak.set(model.id, Math.max(this.peak.get(model.id) ?? 0, n));
    try {
      return await this.behaviour(model, request);
    } finally {
      this.inFlight.set(model.id, (this.inFlight.get(model.id) ?? 1) - 1);
    }
  }
}

export function serverError(): LlmCallError {
  return new LlmCallError('server_error', 'HTTP 500: simulated', { status: 500 });
}

export interface Harness {
  deps: SchedulerDeps;
  store: CapacityStore;
  queue: WorkQueue;
  /** Runs `functions/call` in process (the default `calls`). */
  calls: InProcessCallInvoker;
  publisher: MemoryPublisher;
  llm: FakeLlm;
  metrics: InMemoryMetrics;
  results(): AgentResult[];
  deadLetters(): Record<string, unknown>[];
  /** Resolves when no call is running any more. */
  idle(): Promise<void>;
}

export interface HarnessAdapters {
  store?: CapacityStore;
  queue?: WorkQueue;
  /** Wraps the in-process invoker (fault injection); it must forward to `inner`. */
  wrapCalls?: (inner: InProcessCallInvoker) => CallInvoker;
}

/** The scheduler's deps on in-memory adapters (or the given store and queue, e.g. on DynamoDB Local). */
export async function harness(config: Config, adapters: HarnessAdapters = {}): Promise<Harness> {
  const store = adapters.store ?? new MemoryCapacityStore(optionsFromConfig(config));
  for (const m of config.models) await store.putModel(m);
  const queue = adapters.queue ?? new MemoryWorkQueue({ agingMs: config.scheduler.aging_ms });
  const publisher = new MemoryPublisher();
  const llm = new FakeLlm();
  const metrics = new InMemoryMetrics();
  const calls = new InProcessCallInvoker();
  const deps: SchedulerDeps = {
    config, store, queue, publisher, llm, metrics,
    calls: adapters.wrapCalls ? adapters.wrapCalls(calls) : calls,
    outbox: new Outbox(config, publisher, metrics, silentLogger),
    router: createRouter(config.load_balancing),
    snapshots: new SnapshotCache(store),
    logger: silentLogger,
    clock: systemClock,
    random: Math.random,
    ownerId: 'test-owner',
  };
  calls.bind(createInProcessCallRunner(deps));
  const on = (topic: string): Record<string, unknown>[] =>
    publisher.published.filter((p) => p.topic === topic).map((p) => JSON.parse(p.value.toString()) as Record<string, unknown>);
  return {
    deps, store, queue, calls, publisher, llm, metrics,
    results: () => on(config.kafka.topics.results) as unknown as AgentResult[],
    deadLetters: () => on(config.kafka.topics.dead_letter),
    idle: () => calls.idle(30_000),
  };
}

export const longInvocation = { remainingMs: () => 600_000 };
