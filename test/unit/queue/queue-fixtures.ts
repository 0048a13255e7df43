import { randomUUID } from 'node:crypto';
import type { AgentResult } from '../../../lib/contracts/result.js';
import type { QueueEntry, QueueItem, RequestKey, WorkQueue } from '../../../lib/queue/types.js';

/** Virtual time: every test passes explicit `now` values from here on. */
export const T0 = 1_800_000_000_000;

/** A fresh, empty queue per test. */
export type QueueFactory = () => Promise<WorkQueue>;

export function newKey(): RequestKey {
  const u = randomUUID();
  return { id: `task-${u.slice(0, 8)}`, correlationId: `corr-${u}` };
}

/** A waiting entry with a unique key; `over` replaces any field. */
export function entry(over: Partial<QueueEntry> = {}): QueueEntry {
  const key = over.key ?? newKey();
  return {
    key,
    priority: 'medium',
    taskType: 'text_generation',
    modelId: null,
    deadline: T0 + 60_000,
    firstSeen: T0,
    estimatedTokens: 100,
    attempts: 0,
    countedAttempts: 0,
    failedModels: [],
    notBefore: 0,
    request: { id: key.id, correlation_id: key.correlationId, task_type: 'text_generation', priority: 'medium', content: 'q' },
    record: {
      topic: 'requests',
      partition: 0,
      offset: '42',
      timestamp: T0,
      keyBase64: null,
      valueBase64: Buffer.from('{"id":"x"}').toString('base64'),
      headers: {},
    },
    ...over,
  };
}

export function answer(key: RequestKey, content = 'the answer'): AgentResult {
  return {
    id: key.id,
    task_type: 'text_generation',
    priority: 'medium',
    correlation_id: key.correlationId,
    model_id: 'm1',
    status: 'completed',
    content,
    token_count: 2,
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    attempts: 1,
  };
}

/** The item an entry becomes when registered. */
export const waitingItem = (e: QueueEntry): QueueItem => ({ ...e, state: 'waiting' });

/** Enqueues entries that must all be new. */
export async function enqueueAll(queue: WorkQueue, entries: readonly QueueEntry[]): Promise<void> {
  const out = await queue.enqueue(entries);
  const refused = out.filter((o) => o.kind !== 'queued');
  if (refused.length > 0) throw new Error(`expected every entry to be new, ${refused.length} were present`);
}

/** Ids of items, to compare orders briefly. */
export const ids = (items: readonly QueueItem[]): string[] => items.map((i) => i.key.id);
