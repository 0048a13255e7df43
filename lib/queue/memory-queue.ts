import { PRIORITIES } from '../contracts/request.js';
import type { Priority } from '../contracts/request.js';
import type { AgentResult } from '../contracts/result.js';
import { checkEntrySize, encodeEntryPayload, encodeResult } from './payload.js';
import { DEFAULT_AGING_MS, orderKey, requestHash } from './key.js';
import type {
  ClaimOutcome, EnqueueOutcome, QueueEntry, QueueItem, RequestKey, RetryState, WaitingQuery, WorkQueue,
} from './types.js';

/** What `waiting()` may return for `query.model`: a task the model serves, not pinned elsewhere. */
export function servesModel(item: QueueEntry, model: WaitingQuery['model']): boolean {
  if (!model) return true;
  return model.tasks.includes(item.taskType) && (item.modelId === null || item.modelId === model.id);
}

const copy = <T>(value: T): T => structuredClone(value);

/** What a waiting() read returns, as the table's summary read does: no payloads. */
const summaryOf = (item: QueueItem): QueueItem => {
  const s = copy(item);
  const session = item.request['session_id'];
  s.request = typeof session === 'string' ? { session_id: session } : {};
  s.record = { topic: '', partition: 0, offset: '', timestamp: 0, keyBase64: null, valueBase64: '', headers: {} };
  delete s.result;
  return s;
};

/** The answer as the table would keep it: null when it does not fit next to the request. */
const stored = (entry: QueueEntry, result: AgentResult): AgentResult | null =>
  encodeResult(result, encodeEntryPayload(entry).bytes) ? copy(result) : null;

/**
 * The wait queue in memory, for unit tests and single-process use: the same semantics as
 * `DynamoWorkQueue` (the contract suite runs on both). Items are copied in and out, like a table.
 */
export class MemoryWorkQueue implements WorkQueue {
  private readonly items = new Map<string, QueueItem>();
  private readonly agingMs: number;

  /** `agingMs`: the order's aging (`scheduler.aging_ms`; see `virtualTime`). */
  constructor(opts: { agingMs?: number } = {}) {
    this.agingMs = opts.agingMs ?? DEFAULT_AGING_MS;
  }

  ensureTable(): Promise<void> {
    return Promise.resolve();
  }

  enqueue(entries: readonly QueueEntry[]): Promise<EnqueueOutcome[]> {
    return Promise.resolve().then(() => {
      for (const e of entries) checkEntrySize(e);
      return entries.map((e) => this.register({ ...copy(e), state: 'waiting' }));
    });
  }

  enqueueClaimed(entry: QueueEntry, owner: string, ttlMs: number, now: number): Promise<EnqueueOutcome> {
    return Promise.resolve().then(() => {
      checkEntrySize(entry);
      return this.register({ ...copy(entry), state: 'running', owner, until: now + ttlMs });
    });
  }

  storeAnswer(entry: QueueEntry, result: AgentResult, owner: string, graceMs: number, now: number): Promise<EnqueueOutcome> {
    return Promise.resolve().then(() => {
      checkEntrySize(entry);
      return this.register({ ...copy(entry), state: 'completed', owner, until: now + graceMs, result: stored(entry, result) });
    });
  }

  private register(item: QueueItem): EnqueueOutcome {
    const hash = requestHash(item.key);
    const old = this.items.get(hash);
    if (old) return { kind: 'present', item: copy(old) };
    this.items.set(hash, item);
    return { kind: 'queued' };
  }

  waiting(query: WaitingQuery): Promise<QueueItem[]> {
    const ranked = [...this.items.entries()]
      .filter(([, i]) => i.state === 'waiting' && servesModel(i, query.model))
      .map(([hash, i]) => ({ ord: orderKey(i, hash, this.agingMs), i }))
      .sort((a, b) => (a.ord < b.ord ? -1 : a.ord > b.ord ? 1 : 0));
    if (query.merged) return Promise.resolve(ranked.slice(0, query.limit).map((b) => summaryOf(b.i)));
    const wanted = query.priorities ?? PRIORITIES;
    const out: QueueItem[] = [];
    for (const p of PRIORITIES) {
      if (!wanted.includes(p)) continue;
      out.push(...ranked.filter((b) => b.i.priority === p).slice(0, query.limit).map((b) => summaryOf(b.i)));
    }
    return Promise.resolve(out);
  }

  claim(key: RequestKey, owner: string, ttlMs: number, now: number): Promise<ClaimOutcome> {
    const item = this.items.get(requestHash(key));
    if (!item) return Promise.resolve({ kind: 'absent' });
    const take = (kind: 'claimed' | 'publish'): ClaimOutcome => {
      if (kind === 'claimed') item.state = 'running';
      item.owner = owner;
      item.until = now + ttlMs;
      return { kind, item: copy(item) };
    };
    switch (item.state) {
      case 'waiting':
        return Promise.resolve(item.notBefore <= now ? take('claimed') : { kind: 'not_due', until: item.notBefore });
      case 'running':
        return Promise.resolve(item.until! < now ? take('claimed') : { kind: 'busy', until: item.until! });
      case 'completed':
        return Promise.resolve(item.until! < now ? take('publish') : { kind: 'busy', until: item.until! });
      case 'published':
        return Promise.resolve({ kind: 'published', item: copy(item) });
    }
  }

  /** The item when it is in one of `states` and owned by `owner`. */
  private owned(key: RequestKey, owner: string, ...states: QueueItem['state'][]): QueueItem | undefined {
    const item = this.items.get(requestHash(key));
    return item && states.includes(item.state) && item.owner === owner ? item : undefined;
  }

  adopt(key: RequestKey, fromOwner: string, toOwner: string, ttlMs: number, now: number): Promise<QueueItem | undefined> {
    const item = this.owned(key, fromOwner, 'running');
    if (item) Object.assign(item, { owner: toOwner, until: now + ttlMs });
    return Promise.resolve(item && copy(item));
  }

  extend(key: RequestKey, owner: string, ttlMs: number, now: number): Promise<boolean> {
    const item = this.owned(key, owner, 'running', 'completed');
    if (item) item.until = now + ttlMs;
    return Promise.resolve(item !== undefined);
  }

  complete(key: RequestKey, owner: string, result: AgentResult, graceMs: number, now: number): Promise<boolean> {
    const item = this.owned(key, owner, 'running');
    if (item) Object.assign(item, { state: 'completed', result: stored(item, result), until: now + graceMs });
    return Promise.resolve(item !== undefined);
  }

  markPublished(key: RequestKey, owner: string, _now: number): Promise<void> {
    const item = this.owned(key, owner, 'completed');
    if (item) {
      item.state = 'published';
      // Published items keep the answer (a redelivery is recognised), not the request and raw value.
      item.request = {};
      item.record.valueBase64 = '';
      delete item.owner;
      delete item.until;
    }
    return Promise.resolve();
  }

  requeue(key: RequestKey, owner: string, retry: RetryState, _now: number): Promise<boolean> {
    const item = this.owned(key, owner, 'running');
    if (!item) return Promise.resolve(false);
    item.state = 'waiting';
    item.attempts = retry.attempts;
    item.countedAttempts = retry.countedAttempts;
    item.failedModels = [...retry.failedModels];
    item.notBefore = retry.notBefore;
    if (retry.lastError) item.lastError = copy(retry.lastError);
    else delete item.lastError;
    delete item.owner;
    delete item.until;
    return Promise.resolve(true);
  }

  lapsed(now: number, limit: number): Promise<QueueItem[]> {
    const out = [...this.items.values()]
      .filter((i) => (i.state === 'running' || i.state === 'completed') && i.until! < now)
      .sort((a, b) => a.until! - b.until!)
      .slice(0, limit);
    return Promise.resolve(out.map(summaryOf));
  }

  get(key: RequestKey): Promise<QueueItem | undefined> {
    const item = this.items.get(requestHash(key));
    return Promise.resolve(item && copy(item));
  }

  depth(): Promise<Record<Priority, number>> {
    const counts: Record<Priority, number> = { high: 0, medium: 0, low: 0 };
    for (const i of this.items.values()) if (i.state === 'waiting') counts[i.priority] += 1;
    return Promise.resolve(counts);
  }
}
