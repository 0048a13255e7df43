import { Kafka, logLevel } from 'kafkajs';
import type { LogEntry, RetryOptions } from 'kafkajs';
import type { KafkaSecurityOptions } from './security.js';

/** One kafkajs log line, reduced to fields that never carry record content. */
export interface KafkaLogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  namespace: string;
  message: string;
  error?: string;
  groupId?: string;
  topic?: string;
  broker?: string;
}

export type KafkaLogSink = (line: KafkaLogLine) => void;

export interface KafkaClientOptions extends KafkaSecurityOptions {
  /** Lowest level passed to `log` (default `warn`). */
  logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
  /** Where kafkajs lines go (default: one JSON line on stderr). */
  log?: KafkaLogSink;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retry?: RetryOptions;
}

const LEVELS = { nothing: logLevel.NOTHING, error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG };
const NAMES: Record<number, KafkaLogLine['level']> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

// Expected in normal operation (a group re-joins after a member leaves; our bounded producer
// retries are deliberate): reported at info, so the default sink stays quiet.
const ROUTINE = ['The group is rebalancing, re-joining', 'Limiting retries for the idempotent producer'];

function isRoutine(entry: LogEntry): boolean {
  // kafkajs logs every error response at the connection, retriable or not; the operation that
  // finally fails reports it (and throws), so these are detail.
  if (entry.namespace === 'Connection' && entry.log.message.startsWith('Response ')) return true;
  return ROUTINE.some((p) => entry.log.message.startsWith(p));
}

/** Writes warn/error lines as JSON on stderr. */
export const stderrKafkaLog: KafkaLogSink = (line) => {
  process.stderr.write(`${JSON.stringify({ source: 'kafkajs', ...line })}\n`);
};

function pickString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' ? v : undefined;
}

function toLine(entry: LogEntry): KafkaLogLine {
  const extra = entry.log as unknown as Record<string, unknown>;
  let level = NAMES[entry.level] ?? 'debug';
  if ((level === 'warn' || level === 'error') && isRoutine(entry)) level = 'info';
  const line: KafkaLogLine = { level, namespace: entry.namespace, message: entry.log.message };
  // Only identifiers and error text: never `extra` wholesale (it can hold payloads).
  const error = pickString(extra, 'error');
  if (error !== undefined) line.error = error;
  const groupId = pickString(extra, 'groupId');
  if (groupId !== undefined) line.groupId = groupId;
  const topic = pickString(extra, 'topic');
  if (topic !== undefined) line.topic = topic;
  const broker = pickString(extra, 'broker');
  if (broker !== undefined) line.broker = broker;
  return line;
}

/**
 * A kafkajs client with timeouts suited to Lambda (fail within seconds, not minutes) and its
 * logging routed through a small sink.
 */
export function createKafka(brokers: string[], clientId: string, opts: KafkaClientOptions = {}): Kafka {
  const minLevel = LEVELS[opts.logLevel ?? 'warn'];
  const sink = opts.log ?? stderrKafkaLog;
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: opts.connectionTimeoutMs ?? 3_000,
    requestTimeout: opts.requestTimeoutMs ?? 30_000,
    retry: opts.retry ?? { initialRetryTime: 200, maxRetryTime: 5_000, retries: 6 },
    // TLS / SASL (lib/kafka/security.ts maps `kafka.security` to these).
    ...(opts.ssl !== undefined ? { ssl: opts.ssl } : {}),
    ...(opts.sasl !== undefined ? { sasl: opts.sasl } : {}),
    // kafkajs filters first; we filter again after re-levelling routine lines.
    logLevel: minLevel,
    logCreator: () => (entry) => {
      const line = toLine(entry);
      if (LEVELS[line.level] <= minLevel) sink(line);
    },
  });
}
