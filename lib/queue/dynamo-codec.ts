import type { Item } from '../capacity/dynamo-io.js';
import { PrioritySchema, TaskTypeSchema } from '../contracts/request.js';
import { InfrastructureError } from '../errors/index.js';
import { orderKey } from './key.js';
import { decodeRecord, decodeRequest, decodeResult } from './payload.js';
import type { EncodedEntry } from './payload.js';
import type { QueueItem, QueueState, RetryState } from './types.js';

/** Where an item lives: partition `q#<shard>`, sort key the request hash. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/**
 * Expression attribute names for every `#name` token of the expressions, each standing for the
 * attribute of the same name (`state`, `owner`, `until`, `ttl` are reserved words).
 */
export function namesOf(...expressions: string[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const m of expressions.join(' ').matchAll(/#(\w+)/g)) names[m[0]] = m[1]!;
  return names;
}

/** The retry attributes as stored (see README.md). */
export function retryAttributes(retry: RetryState): Item {
  return {
    attempts: retry.attempts,
    counted: retry.countedAttempts,
    failed: [...retry.failedModels],
    notBefore: retry.notBefore,
    ...(retry.lastError ? { lastError: { ...retry.lastError } } : {}),
  };
}

/** A new item for `entry` (already payload-encoded) in `state`. */
export function encodeItem(
  key: ItemKey,
  entry: Omit<QueueItem, 'record' | 'result'>,
  payload: EncodedEntry,
  extra: { agingMs: number; res?: Uint8Array | undefined },
): Item {
  const okey = orderKey(entry, key.sk, extra.agingMs);
  return {
    pk: key.pk,
    sk: key.sk,
    state: entry.state,
    rid: entry.key.id,
    cid: entry.key.correlationId,
    prio: entry.priority,
    task: entry.taskType,
    ...(entry.modelId === null ? {} : { model: entry.modelId }),
    // Routing affinity needs the session without the request payload (summary reads).
    ...(typeof entry.request['session_id'] === 'string' ? { sess: entry.request['session_id'] } : {}),
    deadline: entry.deadline,
    firstSeen: entry.firstSeen,
    estTokens: entry.estimatedTokens,
    ...retryAttributes(entry),
    okey,
    ...(entry.state === 'waiting' ? { ord: okey } : {}),
    ...(entry.owner === undefined ? {} : { owner: entry.owner }),
    ...(entry.until === undefined ? {} : { until: entry.until }),
    req: payload.req,
    rec: payload.rec,
    val: payload.val,
    pbytes: payload.bytes,
    ...(extra.res ? { res: extra.res } : {}),
  };
}

const STATES: readonly QueueState[] = ['waiting', 'running', 'completed', 'published'];

/**
 * The attributes a summary read returns: what ordering, routing and recovery decode — not the
 * payloads (`req`, `rec`, `val`, `res`), nor the keys and sizes nobody reads from a summary (`pk`,
 * `sk`, `okey`, `pbytes`): a freed slot's read parses every item it lists (profiled: parsing query
 * responses was a tenth of a loaded scheduler's CPU).
 */
const SUMMARY_ATTRIBUTES = ['state', 'owner', 'until', 'ord', 'rid', 'cid', 'prio', 'task', 'model', 'sess', 'deadline', 'firstSeen', 'estTokens', 'attempts', 'counted', 'failed', 'notBefore', 'lastError'];

/**
 * ProjectionExpression (and its names) of a summary read: what ordering and routing need, without
 * decoding every request's payload (profiled: reading payloads dominated a loaded dispatcher).
 */
export const SUMMARY_PROJECTION = {
  expression: SUMMARY_ATTRIBUTES.map((a) => `#${a}`).join(', '),
  names: Object.fromEntries(SUMMARY_ATTRIBUTES.map((a) => [`#${a}`, a])),
};

const EMPTY_RECORD = { topic: '', partition: 0, offset: '', timestamp: 0, keyBase64: null, valueBase64: '', headers: {} };

/**
 * An item read back as a `QueueItem`; an item that is not one is an infrastructure fault. A
 * `summary` item (read with {@link SUMMARY_PROJECTION}) has no payloads: its `request` holds only
 * the session id and its record is empty — get() the item to run it.
 */
export function decodeItem(item: Item, summary = false): QueueItem {
  const state = item['state'] as QueueState;
  if (!STATES.includes(state) || typeof item['rid'] !== 'string' || typeof item['cid'] !== 'string') {
    throw new InfrastructureError(`queue item ${String(item['sk'])} is not a queue item`);
  }
  const num = (name: string): number => Number(item[name] ?? 0);
  const lastError = item['lastError'] as RetryState['lastError'] | undefined;
  const out: QueueItem = {
    key: { id: item['rid'], correlationId: item['cid'] },
    priority: PrioritySchema.parse(item['prio']),
    taskType: TaskTypeSchema.parse(item['task']),
    modelId: typeof item['model'] === 'string' ? item['model'] : null,
    deadline: num('deadline'),
    firstSeen: num('firstSeen'),
    estimatedTokens: num('estTokens'),
    attempts: num('attempts'),
    countedAttempts: num('counted'),
    failedModels: Array.isArray(item['failed']) ? item['failed'].map(String) : [],
    notBefore: num('notBefore'),
    ...(lastError ? { lastError } : {}),
    request: summary ? (typeof item['sess'] === 'string' ? { session_id: item['sess'] } : {}) : decodeRequest(item['req']),
    record: summary ? { ...EMPTY_RECORD, headers: {} } : decodeRecord(item['rec'], item['val']),
    state,
  };
  if (typeof item['owner'] === 'string') out.owner = item['owner'];
  if (item['until'] !== undefined) out.until = num('until');
  if (!summary && (state === 'completed' || state === 'published')) out.result = decodeResult(item['res']);
  return out;
}
