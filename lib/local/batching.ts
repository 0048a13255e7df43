import type { SourceRecord } from './source.js';

/** What the runner remembers about one partition between deliveries. */
export interface PartitionState {
  /** The first offset of the pending partial batch and when it was first seen. */
  window?: { offset: string; since: number };
  /** The batch that last failed: the retry covers exactly these offsets. */
  failing?: { firstOffset: string; lastOffset: string; attempts: number };
}

export interface BatchLimits {
  batchSize: number;
  batchWindowMs: number;
  maxPayloadBytes: number;
  now: number;
}

export interface BatchPlan {
  /** Invoke with these now (empty when waiting). */
  records: readonly SourceRecord[];
  /** > 0: a partial batch whose window is still open; deliver again after this long. */
  waitMs: number;
}

/**
 * The next batch to invoke from `available` (records from the partition's last commit).
 * A retried batch is the failed one again, never more; otherwise up to `batchSize` records
 * within the payload limit, and a partial batch waits until its window has elapsed.
 */
export function nextBatch(state: PartitionState, available: readonly SourceRecord[], limits: BatchLimits): BatchPlan {
  const first = available[0];
  if (!first) return { records: [], waitMs: 0 };
  const failing = state.failing;
  if (failing && failing.firstOffset === first.offset) {
    const last = BigInt(failing.lastOffset);
    return { records: available.filter((r) => BigInt(r.offset) <= last), waitMs: 0 };
  }
  state.failing = undefined;

  let bytes = EVENT_OVERHEAD_BYTES;
  let count = 0;
  let cutBySize = false;
  for (const r of available) {
    if (count === limits.batchSize) break;
    const size = encodedSize(r);
    if (count > 0 && bytes + size > limits.maxPayloadBytes) {
      cutBySize = true;
      break;
    }
    bytes += size;
    count += 1;
  }
  const records = available.slice(0, count);
  const partial = count < limits.batchSize && !cutBySize;
  if (!partial || limits.batchWindowMs === 0) return { records, waitMs: 0 };

  if (state.window?.offset !== first.offset) state.window = { offset: first.offset, since: limits.now };
  const waitMs = state.window.since + limits.batchWindowMs - limits.now;
  return waitMs > 0 ? { records: [], waitMs } : { records, waitMs: 0 };
}

const EVENT_OVERHEAD_BYTES = 512;
const RECORD_OVERHEAD_BYTES = 160;

/** Approximate JSON size of a record in the Lambda event: base64 key/value, headers as number arrays. */
export function encodedSize(r: SourceRecord): number {
  const base64 = (n: number): number => Math.ceil(n / 3) * 4;
  let size = RECORD_OVERHEAD_BYTES + r.topic.length + base64(r.key?.length ?? 0) + base64(r.value?.length ?? 0);
  for (const [name, value] of Object.entries(r.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) size += name.length + 8 + Buffer.byteLength(v) * 4;
  }
  return size;
}
