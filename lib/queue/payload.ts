import { gunzipSync, gzipSync } from 'node:zlib';
import { AgentResultSchema } from '../contracts/result.js';
import type { AgentResult } from '../contracts/result.js';
import { InfrastructureError } from '../errors/index.js';
import { QueueEntryTooLargeError } from './errors.js';
import type { QueueEntry, StoredRecord } from './types.js';

/**
 * An item may hold 400 KB (409,600 bytes) with its attribute names. The bulky parts are stored
 * packed (see `pack`): request + record at most 350 KB (else the entry is refused), and the answer
 * only when request + record + answer stay within 380 KB (else it is stored as null), leaving room
 * for the scalar attributes.
 */
export const MAX_ENTRY_BYTES = 350_000;
export const MAX_PAYLOAD_BYTES = 380_000;

/** First byte of a value stored as is (gzip data always starts with 0x1f 0x8b). */
const RAW = 0x00;
/**
 * Values up to this size are stored as is: gzip would save a few bytes of an item that is billed
 * by the kilobyte anyway, at ~0.1 ms of CPU per value (three per request, profiled in the load
 * bench's throughput scenario). Larger ones are gzipped, which keeps items — and every write of
 * them — small.
 */
export const RAW_MAX_BYTES = 512;

/** Bytes as stored: `RAW` + the bytes when small, else gzipped. */
export function pack(bytes: Buffer): Uint8Array {
  return bytes.byteLength <= RAW_MAX_BYTES ? Buffer.concat([Buffer.of(RAW), bytes]) : gzipSync(bytes);
}

/** The bytes `pack` stored (items written before raw values existed are all gzipped). */
export function unpack(value: Uint8Array): Buffer {
  return value[0] === RAW ? Buffer.from(value.buffer, value.byteOffset + 1, value.byteLength - 1) : gunzipSync(value);
}

const gzip = (value: unknown): Uint8Array => pack(Buffer.from(JSON.stringify(value), 'utf8'));
const gunzipJson = (value: Uint8Array): unknown => JSON.parse(unpack(value).toString('utf8')) as unknown;

export interface EncodedEntry {
  req: Uint8Array;
  /** The record without its value. */
  rec: Uint8Array;
  /** The record's raw value (decoded from base64), packed: dropped once the answer is published. */
  val: Uint8Array;
  /** Compressed bytes of the three. */
  bytes: number;
}

/** The entry's request and record, packed; throws `QueueEntryTooLargeError` beyond `MAX_ENTRY_BYTES`. */
export function encodeEntryPayload(entry: Pick<QueueEntry, 'request' | 'record'>): EncodedEntry {
  const { valueBase64, ...rest } = entry.record;
  const req = gzip(entry.request);
  const rec = gzip(rest);
  const val = pack(Buffer.from(valueBase64, 'base64'));
  const bytes = req.byteLength + rec.byteLength + val.byteLength;
  if (bytes > MAX_ENTRY_BYTES) throw new QueueEntryTooLargeError(bytes, MAX_ENTRY_BYTES);
  return { req, rec, val, bytes };
}

export function checkEntrySize(entry: Pick<QueueEntry, 'request' | 'record'>): void {
  encodeEntryPayload(entry);
}

export const gzipResult = (result: AgentResult): Uint8Array => gzip(result);

/** The answer gzipped, or undefined when it would not fit next to `entryBytes` of request and record. */
export function encodeResult(result: AgentResult, entryBytes: number): Uint8Array | undefined {
  const gz = gzipResult(result);
  return entryBytes + gz.byteLength <= MAX_PAYLOAD_BYTES ? gz : undefined;
}

export function decodeRequest(value: unknown): Record<string, unknown> {
  if (!(value instanceof Uint8Array)) return {};
  const parsed = gunzipJson(value);
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

/** The record from `rec` and `val`; its value is empty once dropped (published). */
export function decodeRecord(rec: unknown, val: unknown): StoredRecord {
  if (!(rec instanceof Uint8Array)) throw new InfrastructureError('queue item has no stored record');
  const valueBase64 = val instanceof Uint8Array ? unpack(val).toString('base64') : '';
  return { ...(gunzipJson(rec) as Omit<StoredRecord, 'valueBase64'>), valueBase64 };
}

/**
 * A stored answer, validated; null when absent (too large when stored) or not a valid result. It
 * is returned as it was stored, not as the schema rebuilds it: a re-published copy must be
 * byte-identical to the first (the schema's key order need not be the order the answer had).
 */
export function decodeResult(value: unknown): AgentResult | null {
  if (!(value instanceof Uint8Array)) return null;
  try {
    const stored = gunzipJson(value);
    return AgentResultSchema.safeParse(stored).success ? (stored as AgentResult) : null;
  } catch {
    return null;
  }
}
