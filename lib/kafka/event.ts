import type { MSKEvent, MSKRecord, SelfManagedKafkaEvent } from 'aws-lambda';
import { z } from 'zod';
import { AgentSchedError } from '../errors/index.js';
import { issuePath } from '../contracts/decode.js';

/**
 * The Lambda Kafka event (MSK and self-managed), decoded and encoded.
 *
 * AWS sends `key`/`value` base64, headers as `[{ name: [byte, …] }]`, records keyed
 * `"<topic>-<partition>"`. `key` can be absent or null and `value` null (a tombstone): both
 * are decoded, never rejected, so one odd record cannot fail a whole batch.
 */

/** The event itself does not have the Lambda Kafka shape: a platform problem, not an agent's. */
export class InvalidEventError extends AgentSchedError {
  readonly field: string;

  constructor(field: string, message: string, options: { cause?: unknown } = {}) {
    super('invalid_event', `Kafka event ${field}: ${message}`, { retryable: false, ...options });
    this.field = field;
  }
}

export type TimestampType = MSKRecord['timestampType'];

/** A record as Lambda delivers it. Unlike `@types/aws-lambda`, `key` may be absent and `value` null. */
export type LambdaKafkaRecord = Omit<MSKRecord, 'key' | 'value'> & { key?: string | null; value: string | null };
export type LambdaMskEvent = Omit<MSKEvent, 'records'> & { records: Record<string, LambdaKafkaRecord[]> };
export type LambdaSelfManagedKafkaEvent = Omit<SelfManagedKafkaEvent, 'records'> & {
  records: Record<string, LambdaKafkaRecord[]>;
};
export type LambdaKafkaEvent = LambdaMskEvent | LambdaSelfManagedKafkaEvent;
export type EventKind = 'msk' | 'self-managed';

const ByteArraySchema = z.array(z.number().int().min(0).max(255));
// Lenient where AWS may add fields (schema-registry metadata) or vary (offset as string).
const RecordSchema = z
  .object({
    topic: z.string().min(1),
    partition: z.number().int().min(0),
    offset: z.union([z.number().int().min(0), z.string().regex(/^\d+$/)]),
    timestamp: z.number(),
    timestampType: z.string().optional(),
    key: z.string().nullish(),
    value: z.string().nullish(),
    headers: z.array(z.record(z.string(), ByteArraySchema.nullable())).nullish(),
  })
  .loose();
const RecordsSchema = z.record(z.string(), z.array(RecordSchema));

export const KafkaEventSchema = z.discriminatedUnion('eventSource', [
  z.object({ eventSource: z.literal('aws:kafka'), eventSourceArn: z.string().min(1), records: RecordsSchema }).loose(),
  z.object({ eventSource: z.literal('SelfManagedKafka'), records: RecordsSchema }).loose(),
]);

/** One record, decoded. `offset` is a string: Kafka offsets are 64-bit. */
export interface DecodedRecord {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  key: Buffer | null;
  /** Empty for a tombstone (null value): the caller treats it as an invalid record. */
  value: Buffer;
  /** Header bytes as UTF-8; when a name repeats, the last value wins (Kafka's `lastHeader`). */
  headers: Record<string, string>;
}

export type DecodeEventResult = { ok: true; records: DecodedRecord[] } | { ok: false; error: InvalidEventError };

/** Decodes a Lambda Kafka event without throwing. Records keep the event's order. */
export function safeDecodeKafkaEvent(event: unknown): DecodeEventResult {
  const parsed = KafkaEventSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? issuePath(issue.path) : '$';
    return { ok: false, error: new InvalidEventError(field, issue?.message ?? 'invalid', { cause: parsed.error }) };
  }
  const records: DecodedRecord[] = [];
  for (const batch of Object.values(parsed.data.records)) {
    for (const r of batch) {
      records.push({
        topic: r.topic,
        partition: r.partition,
        offset: String(r.offset),
        timestamp: r.timestamp,
        key: r.key == null ? null : Buffer.from(r.key, 'base64'),
        value: r.value == null ? Buffer.alloc(0) : Buffer.from(r.value, 'base64'),
        headers: decodeHeaders(r.headers ?? []),
      });
    }
  }
  return { ok: true, records };
}

/** Decodes a Lambda Kafka event; throws {@link InvalidEventError} when its shape is wrong. */
export function decodeKafkaEvent(event: unknown): DecodedRecord[] {
  const result = safeDecodeKafkaEvent(event);
  if (!result.ok) throw result.error;
  return result.records;
}

function decodeHeaders(headers: Record<string, number[] | null>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of headers) {
    for (const [name, bytes] of Object.entries(entry)) {
      out[name] = bytes == null ? '' : Buffer.from(bytes).toString('utf8');
    }
  }
  return out;
}

/** Header values as kafkajs gives them (`IHeaders`), or plain strings. */
export type RecordHeaders = Record<string, string | Buffer | (string | Buffer)[] | undefined>;

/** What {@link encodeKafkaEvent} needs of a record: a kafkajs message or an in-memory one. */
export interface EncodableRecord {
  topic: string;
  partition: number;
  offset: string | number;
  timestamp: number;
  timestampType?: TimestampType;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: RecordHeaders;
}

export interface EncodeOptions {
  /** `host:port,host:port`, as Lambda reports the mapping's brokers. */
  bootstrapServers?: string;
  /** MSK only; a placeholder cluster ARN when absent. */
  eventSourceArn?: string;
}

const LOCAL_CLUSTER_ARN = 'arn:aws:kafka:us-east-1:000000000000:cluster/agentsched-local/00000000-0000-0000-0000-000000000000-1';

/** Builds the event Lambda would deliver for these records (the inverse of {@link decodeKafkaEvent}). */
export function encodeKafkaEvent(records: readonly EncodableRecord[], kind: 'msk', opts?: EncodeOptions): LambdaMskEvent;
export function encodeKafkaEvent(
  records: readonly EncodableRecord[],
  kind: 'self-managed',
  opts?: EncodeOptions,
): LambdaSelfManagedKafkaEvent;
export function encodeKafkaEvent(records: readonly EncodableRecord[], kind: EventKind, opts?: EncodeOptions): LambdaKafkaEvent;
export function encodeKafkaEvent(
  records: readonly EncodableRecord[],
  kind: EventKind,
  opts: EncodeOptions = {},
): LambdaKafkaEvent {
  const grouped: Record<string, LambdaKafkaRecord[]> = {};
  for (const r of records) {
    const group = (grouped[`${r.topic}-${r.partition}`] ??= []);
    group.push(encodeRecord(r));
  }
  const bootstrapServers = opts.bootstrapServers ?? 'localhost:9092';
  if (kind === 'msk') {
    return { eventSource: 'aws:kafka', eventSourceArn: opts.eventSourceArn ?? LOCAL_CLUSTER_ARN, bootstrapServers, records: grouped };
  }
  return { eventSource: 'SelfManagedKafka', bootstrapServers, records: grouped };
}

function encodeRecord(r: EncodableRecord): LambdaKafkaRecord {
  const out: LambdaKafkaRecord = {
    topic: r.topic,
    partition: r.partition,
    // Lambda sends numbers; offsets beyond 2^53 lose precision there too.
    offset: Number(r.offset),
    timestamp: r.timestamp,
    timestampType: r.timestampType ?? 'CREATE_TIME',
    value: r.value == null ? null : toBuffer(r.value).toString('base64'),
    headers: encodeHeaders(r.headers),
  };
  // Lambda omits the key of a record that has none.
  if (r.key != null) out.key = toBuffer(r.key).toString('base64');
  return out;
}

function encodeHeaders(headers: RecordHeaders | undefined): Record<string, number[]>[] {
  const out: Record<string, number[]>[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push({ [name]: [...toBuffer(v)] });
  }
  return out;
}

function toBuffer(v: Buffer | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}
