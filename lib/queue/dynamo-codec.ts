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
  entry: Omit<QueueItem, 'request' | 'record' | 'result'>,
  payload: EncodedEntry,
  extra: { res?: Uint8Array | undefined } = {},
): Item {
  const okey = orderKey(entry, key.sk);
  return {
    pk: key.pk,
    sk: key.sk,
    state: entry.state,
    rid: entry.key.id,
    cid: entry.key.correlationId,
    prio: entry.priority,
    task: entry.taskType,
    ...(entry.modelId === null ? {} : { model: entry.modelId }),
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

/** An item read back as a `QueueItem`; an item that is not one is an infrastructure fault. */
export function decodeItem(item: Item): QueueItem {
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
    request: decodeRequest(item['req']),
    record: decodeRecord(item['rec'], item['val']),
    state,
  };
  if (typeof item['owner'] === 'string') out.owner = item['owner'];
  if (state === 'waiting' && item['ord'] !== undefined && item['ord'] !== item['okey']) out.promoted = true;
  if (item['until'] !== undefined) out.until = num('until');
  if (state === 'completed' || state === 'published') out.result = decodeResult(item['res']);
  return out;
}
