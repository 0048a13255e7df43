import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { RecordHeaders } from '../kafka/event.js';
import type { MemoryLog } from './memory-log.js';

/** A record read back from a topic, headers decoded as UTF-8 (last value of a repeated name). */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface ConsumeOptions {
  /** Default: a fresh group, deleted afterwards (Kafka only). */
  groupId?: string;
  /** Default true: read what was produced before this reader joined. */
  fromBeginning?: boolean;
  /** Keep only messages it accepts (default: all). */
  predicate?: (message: ConsumedMessage) => boolean;
  /** Stop once this many were kept (default: read until the timeout). */
  count?: number;
  /** Default 10 s. */
  timeoutMs?: number;
}

/**
 * Reads `topic` until `count` messages are kept or the timeout passes, and returns what was
 * kept (check its length: a timeout is not an error). For tests, the client and the demo.
 */
export async function consumeUntil(kafka: Kafka, topic: string, opts: ConsumeOptions = {}): Promise<ConsumedMessage[]> {
  const groupId = opts.groupId ?? `agentsched-reader-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    rebalanceTimeout: 10_000,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  const kept: ConsumedMessage[] = [];
  const target = opts.count ?? Number.POSITIVE_INFINITY;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const timer = setTimeout(finish, opts.timeoutMs ?? 10_000);
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: opts.fromBeginning ?? true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        const m: ConsumedMessage = {
          topic,
          partition,
          offset: message.offset,
          timestamp: Number(message.timestamp),
          key: message.key ?? null,
          value: message.value,
          headers: decodeHeaders(message.headers ?? {}),
        };
        if (kept.length < target && (opts.predicate?.(m) ?? true)) kept.push(m);
        if (kept.length >= target) finish();
        return Promise.resolve();
      },
    });
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  if (opts.groupId === undefined) await deleteGroup(kafka, groupId);
  return kept;
}

async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch {
    // Best effort: an empty group left behind expires on the broker by itself.
  } finally {
    await admin.disconnect();
  }
}

/** {@link consumeUntil} on the in-process log (no group: reads every partition from the start or the end). */
export async function consumeMemoryUntil(log: MemoryLog, topic: string, opts: ConsumeOptions = {}): Promise<ConsumedMessage[]> {
  if (!log.hasTopic(topic)) log.createTopic(topic, 1);
  const partitions = Array.from({ length: log.partitionCount(topic) }, (_, p) => p);
  const fromBeginning = opts.fromBeginning ?? true;
  const positions = partitions.map((p) => (fromBeginning ? log.startOffset(topic, p) : log.endOffset(topic, p)));
  const target = opts.count ?? Number.POSITIVE_INFINITY;
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  const kept: ConsumedMessage[] = [];
  for (;;) {
    for (const p of partitions) {
      for (const r of log.read(topic, p, positions[p]!, 1_000)) {
        positions[p] = BigInt(r.offset) + 1n;
        const m: ConsumedMessage = { ...r, headers: decodeHeaders(r.headers) };
        if (kept.length < target && (opts.predicate?.(m) ?? true)) kept.push(m);
      }
    }
    const left = deadline - Date.now();
    if (kept.length >= target || left <= 0) return kept;
    await new Promise<void>((resolve) => {
      const cancels = partitions.map((p) => log.onAppend(topic, p, wake));
      const timer = setTimeout(wake, left);
      function wake(): void {
        clearTimeout(timer);
        for (const cancel of cancels) cancel();
        resolve();
      }
    });
  }
}

/** kafkajs-style headers → UTF-8 strings; a repeated name keeps its last value. */
export function decodeHeaders(headers: RecordHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = typeof last === 'string' ? last : last.toString('utf8');
  }
  return out;
}
