import { describe, expect, it } from 'vitest';
import { createKafka } from '../../../lib/kafka/client.js';
import type { KafkaLogLine } from '../../../lib/kafka/client.js';

// Port 1 on localhost refuses connections at once: kafkajs fails (and logs) without a broker.
const NOWHERE = ['127.0.0.1:1'];

async function failToConnect(lines: KafkaLogLine[], logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug'): Promise<void> {
  const kafka = createKafka(NOWHERE, 'unit-client', {
    log: (line) => lines.push(line),
    connectionTimeoutMs: 200,
    retry: { retries: 0 },
    ...(logLevel ? { logLevel } : {}),
  });
  const producer = kafka.producer();
  await expect(producer.connect()).rejects.toThrow();
}

describe('createKafka', () => {
  it('routes kafkajs errors to the sink with identifiers and error text only', async () => {
    const lines: KafkaLogLine[] = [];

    await failToConnect(lines);

    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.level === 'error')).toBe(true);
    const allowed = new Set(['level', 'namespace', 'message', 'error', 'groupId', 'topic', 'broker']);
    for (const line of lines) for (const key of Object.keys(line)) expect(allowed.has(key)).toBe(true);
  });

  it('passes nothing below the chosen level', async () => {
    const lines: KafkaLogLine[] = [];

    await failToConnect(lines, 'nothing');

    expect(lines).toEqual([]);
  });
});
