import type { Lease } from '../../../lib/capacity/types.js';
import { AgentRequestSchema } from '../../../lib/contracts/request.js';
import type { AgentRequestInput, Priority } from '../../../lib/contracts/request.js';
import type { AgentResult } from '../../../lib/contracts/result.js';
import type { DecodedRecord } from '../../../lib/kafka/event.js';
import type { OutgoingRecord } from '../../../lib/kafka/publisher.js';
import type { QueueEntry } from '../../../lib/queue/types.js';
import { admitBatch } from '../../../lib/scheduler/admit.js';
import type { BatchSummary } from '../../../lib/scheduler/admit.js';
import type { CallEvent, CallInvoker } from '../../../lib/scheduler/call-event.js';
import type { LlmAnswer } from '../../../lib/scheduler/deps.js';
import { buildEntry } from '../../../lib/scheduler/entry.js';
import type { Harness } from './fixtures.js';
import { longInvocation, record } from './fixtures.js';

/** Shared steps of the scheduler's unit tests (admit, dispatch, call-run, handoff, sweep). */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the schedule function's core on a batch, with plenty of invocation time. */
export function admit(h: Harness, records: DecodedRecord[]): Promise<BatchSummary> {
  return admitBatch(records, h.deps, longInvocation);
}

/** A record and the queue entry the schedule function would register for it. */
export function entryOf(body: Partial<AgentRequestInput>, overrides: Partial<DecodedRecord> = {}, defaultTimeoutMs = 300_000): { record: DecodedRecord; entry: QueueEntry } {
  const r = record(body, overrides);
  const request = AgentRequestSchema.parse(JSON.parse(r.value.toString()));
  return { record: r, entry: buildEntry(r, request, defaultTimeoutMs) };
}

/** Published records on the results topic for one correlation id (with their headers). */
export function resultRecords(h: Harness, correlationId: string): OutgoingRecord[] {
  return h.publisher
    .on(h.deps.config.kafka.topics.results)
    .filter((p) => (JSON.parse(p.value.toString()) as AgentResult).correlation_id === correlationId);
}

export function resultsOf(h: Harness, correlationId: string): AgentResult[] {
  return h.results().filter((r) => r.correlation_id === correlationId);
}

export function lettersOf(h: Harness, correlationId: string): Record<string, unknown>[] {
  return h.deadLetters().filter((l) => l['correlation_id'] === correlationId);
}

/** Models called, in call order, for one request id. */
export function modelsCalledFor(h: Harness, id: string): string[] {
  return h.llm.calls.filter((c) => c.id === id).map((c) => c.model);
}

/** Takes one slot of `modelId` directly in the capacity table (as a call elsewhere would hold it). */
export async function hold(h: Harness, modelId: string, priority: Priority = 'high', ttlMs?: number): Promise<Lease> {
  const out = await h.store.acquire({ modelId, priority, leaseId: `held-${modelId}-${Math.random()}`, estimatedTokens: 1, ...(ttlMs ? { ttlMs } : {}) });
  if (!out.granted) throw new Error(`could not hold a slot of ${modelId}: ${out.reason}`);
  h.deps.snapshots.invalidate();
  return out.lease;
}

/** A call invoker that only records the doorbells (no call runs): the test runs them itself. */
export interface RecordingCalls extends CallInvoker {
  readonly events: CallEvent[];
}

export function recordingCalls(mayDuplicate = false): RecordingCalls {
  const events: CallEvent[] = [];
  return {
    mayDuplicate,
    events,
    invoke(event: CallEvent): Promise<void> {
      events.push(event);
      return Promise.resolve();
    },
  };
}

/** A latch a fake model call can wait on. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

export function answerFrom(modelId: string, id: string): LlmAnswer {
  return { content: `answer from ${modelId} to ${id}`, usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }, latencyMs: 1 };
}

/** Waits until `check` holds (polling), or fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(5);
  }
}
