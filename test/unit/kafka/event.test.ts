import { describe, expect, it } from 'vitest';
import { InvalidEventError, decodeKafkaEvent, encodeKafkaEvent, safeDecodeKafkaEvent } from '../../../lib/kafka/event.js';
import type { EncodableRecord } from '../../../lib/kafka/event.js';
import { loadEventFixture } from '../../fixtures/events/load.js';

describe('decodeKafkaEvent', () => {
  it('decodes an MSK event: every topic-partition, in order, base64 and header bytes decoded', () => {
    const records = decodeKafkaEvent(loadEventFixture('msk'));

    expect(records.map((r) => `${r.topic}-${r.partition}@${r.offset}`)).toEqual([
      'high_priority-0@15',
      'high_priority-0@16',
      'high_priority-1@7',
    ]);
    const second = records[1]!;
    expect(second.key?.toString()).toBe('agent-2');
    expect(JSON.parse(second.value.toString('utf8'))).toMatchObject({ id: 'req-2', content: 'Ünïcødé prompt ✓' });
    expect(second.headers).toEqual({ correlation_id: 'corr-req-2', trace: 't-2' });
    expect(second.timestamp).toBe(1763971200005);
    expect(typeof second.offset).toBe('string');
  });

  it('decodes a self-managed event, which has no eventSourceArn', () => {
    const [record] = decodeKafkaEvent(loadEventFixture('self-managed'));

    expect(record).toMatchObject({ topic: 'low_priority', partition: 2, offset: '40', headers: { correlation_id: 'corr-req-9' } });
    expect(JSON.parse(record!.value.toString())).toMatchObject({ id: 'req-9' });
  });

  it('decodes an absent or null key as null and a tombstone as an empty value, without failing the batch', () => {
    const records = decodeKafkaEvent(loadEventFixture('self-managed-odd-records'));

    expect(records).toHaveLength(3);
    expect(records[0]!.key).toBeNull();
    expect(records[1]!.key).toBeNull();
    expect(records[2]!.key?.toString()).toBe('agent-4');
    expect(records[2]!.value).toEqual(Buffer.alloc(0));
  });

  it('keeps the last value of a repeated header name', () => {
    const event = loadEventFixture('self-managed');
    const records = event['records'] as Record<string, { headers: unknown }[]>;
    records['low_priority-2']![0]!.headers = [{ h: [...Buffer.from('first')] }, { h: [...Buffer.from('second')] }];

    expect(decodeKafkaEvent(event)[0]!.headers).toEqual({ h: 'second' });
  });

  it('accepts fields AWS may add to records (schema registry metadata)', () => {
    const event = loadEventFixture('self-managed');
    const records = event['records'] as Record<string, Record<string, unknown>[]>;
    records['low_priority-2']![0]!['valueSchemaMetadata'] = { dataFormat: 'JSON', schemaId: '1' };

    expect(decodeKafkaEvent(event)).toHaveLength(1);
  });

  it.each([
    ['not an object', 'hello', '$'],
    ['an unknown event source', { eventSource: 'aws:sqs', records: {} }, 'eventSource'],
    ['an MSK event without eventSourceArn', { eventSource: 'aws:kafka', records: {} }, 'eventSourceArn'],
    ['records that are not arrays', { eventSource: 'SelfManagedKafka', records: { 't-0': {} } }, 'records.t-0'],
    [
      'a negative offset',
      { eventSource: 'SelfManagedKafka', records: { 't-0': [{ topic: 't', partition: 0, offset: -1, timestamp: 1, value: '' }] } },
      'records.t-0.0.offset',
    ],
  ])('throws InvalidEventError naming the field for %s', (_label, event, field) => {
    let caught: unknown;
    try {
      decodeKafkaEvent(event);
    } catch (err: unknown) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidEventError);
    expect((caught as InvalidEventError).field).toBe(field);
    expect((caught as InvalidEventError).code).toBe('invalid_event');
    expect((caught as InvalidEventError).retryable).toBe(false);
  });

  it('reports an invalid event without throwing through safeDecodeKafkaEvent', () => {
    const result = safeDecodeKafkaEvent({ eventSource: 'SelfManagedKafka' });

    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.field).toBe('records');
  });
});

describe('encodeKafkaEvent', () => {
  const records: EncodableRecord[] = [
    { topic: 'jobs', partition: 0, offset: '5', timestamp: 1000, key: 'k1', value: Buffer.from([0, 1, 254, 255]), headers: { a: 'x' } },
    { topic: 'jobs', partition: 0, offset: 6, timestamp: 1001, key: null, value: '{"id":"r"}', headers: { multi: ['1', Buffer.from('2')] } },
    { topic: 'jobs', partition: 3, offset: '9', timestamp: 1002, value: null },
  ];

  it('groups records by topic-partition with base64 values and headers as byte arrays', () => {
    const event = encodeKafkaEvent(records, 'self-managed', { bootstrapServers: 'b1:9092' });

    expect(event.eventSource).toBe('SelfManagedKafka');
    expect(event.bootstrapServers).toBe('b1:9092');
    expect(Object.keys(event.records)).toEqual(['jobs-0', 'jobs-3']);
    const [first, second] = event.records['jobs-0']!;
    expect(first).toMatchObject({ offset: 5, timestampType: 'CREATE_TIME', key: Buffer.from('k1').toString('base64') });
    expect(first!.value).toBe(Buffer.from([0, 1, 254, 255]).toString('base64'));
    expect(first!.headers).toEqual([{ a: [120] }]);
    expect(second).not.toHaveProperty('key');
    expect(second!.headers).toEqual([{ multi: [49] }, { multi: [50] }]);
    expect(event.records['jobs-3']![0]!.value).toBeNull();
  });

  it('builds an MSK event with an eventSourceArn (a local placeholder when none is given)', () => {
    const event = encodeKafkaEvent(records, 'msk');

    expect(event.eventSource).toBe('aws:kafka');
    expect(event.eventSourceArn).toMatch(/^arn:aws:kafka:/);
    expect(encodeKafkaEvent(records, 'msk', { eventSourceArn: 'arn:x' }).eventSourceArn).toBe('arn:x');
  });

  it.each(['msk', 'self-managed'] as const)('round-trips through decodeKafkaEvent (%s)', (kind) => {
    const decoded = decodeKafkaEvent(encodeKafkaEvent(records, kind));

    expect(decoded.map((r) => r.offset)).toEqual(['5', '6', '9']);
    expect(decoded[0]!.value).toEqual(Buffer.from([0, 1, 254, 255]));
    expect(decoded[0]!.key?.toString()).toBe('k1');
    expect(decoded[1]!.key).toBeNull();
    expect(decoded[1]!.headers).toEqual({ multi: '2' });
    expect(decoded[2]!.value).toEqual(Buffer.alloc(0));
  });

  it('re-encodes a decoded fixture to the same records', () => {
    const fixture = loadEventFixture('msk') as unknown as { records: Record<string, { timestampType: string }[]> };
    const decoded = decodeKafkaEvent(fixture);
    const again = encodeKafkaEvent(
      decoded.map((r, i) => ({ ...r, timestampType: i === 2 ? ('LOG_APPEND_TIME' as const) : ('CREATE_TIME' as const) })),
      'msk',
    );

    expect(again.records).toEqual(fixture.records);
  });
});
