import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { harness, model, record, testConfig } from './fixtures.js';
import { admit, lettersOf, resultRecords, resultsOf } from './flow.js';

const fleet = () => testConfig([model('a', 2), model('b', 2)]);

describe('Function: admitBatch', () => {
  it('queues and starts every valid request of a batch, each answered once', async () => {
    // Prepare
    const h = await harness(fleet());
    const batch = ['q1', 'q2', 'q3'].map((c) => record({ id: `id-${c}`, correlation_id: c, priority: 'high' }));

    // Act
    const summary = await admit(h, batch);
    await h.idle();

    // Assess
    expect(summary).toEqual({ records: 3, queued: 3, duplicates: 0, invalid: 0, started: 3 });
    for (const c of ['q1', 'q2', 'q3']) expect(resultsOf(h, c).map((r) => r.status)).toEqual(['completed']);
    expect(h.llm.calls).toHaveLength(3);
  });

  it('changes nothing for a redelivered batch: no second model call, no second answer', async () => {
    // Prepare
    const h = await harness(fleet());
    const batch = ['r1', 'r2'].map((c) => record({ id: `id-${c}`, correlation_id: c }));
    await admit(h, batch);
    await h.idle();

    // Act
    const again = await admit(h, batch);
    await h.idle();

    // Assess
    expect(again).toEqual({ records: 2, queued: 0, duplicates: 2, invalid: 0, started: 0 });
    expect(h.llm.calls).toHaveLength(2);
    expect(resultsOf(h, 'r1')).toHaveLength(1);
    expect(resultsOf(h, 'r2')).toHaveLength(1);
  });

  it('counts the same request sent twice in one batch as one duplicate and runs it once', async () => {
    // Prepare
    const h = await harness(fleet());
    const first = record({ id: 'twice', correlation_id: 'twice-c' });
    const second = { ...first, offset: String(Number(first.offset) + 1000) };

    // Act
    const summary = await admit(h, [first, second]);
    await h.idle();

    // Assess
    expect(summary).toMatchObject({ records: 2, queued: 1, duplicates: 1, invalid: 0 });
    expect(h.llm.calls.filter((c) => c.id === 'twice')).toHaveLength(1);
    expect(resultsOf(h, 'twice-c')).toHaveLength(1);
  });

  it('answers invalid records as invalid_request naming the field, dead-letters each, and runs the rest', async () => {
    // Prepare
    const h = await harness(fleet());
    const badJson = record('{"id": "broken", "priority": ', { headers: { correlation_id: 'bad-json' } });
    const wrongType = record({ id: 'wrong', correlation_id: 'wrong-type', token_count: 'many' as unknown as number });
    const noCorrelation = record({ id: 'anonymous', correlation_id: undefined });
    const valid = record({ id: 'fine', correlation_id: 'valid' });

    // Act
    const summary = await admit(h, [badJson, wrongType, noCorrelation, valid]);
    await h.idle();

    // Assess
    expect(summary).toMatchObject({ records: 4, queued: 1, duplicates: 0, invalid: 3 });
    expect(resultsOf(h, 'bad-json')).toMatchObject([{ status: 'failed', error: { code: 'invalid_request', field: '$' } }]);
    expect(resultsOf(h, 'wrong-type')).toMatchObject([{ status: 'failed', id: 'wrong', error: { code: 'invalid_request', field: 'token_count' } }]);
    // Not addressable: no result, but the dead letter keeps the raw record.
    expect(h.results().filter((r) => r.id === 'anonymous')).toEqual([]);
    const anonymous = h.deadLetters().filter((l) => l['request_id'] === 'anonymous');
    expect(anonymous).toMatchObject([{ correlation_id: null, reason: { code: 'invalid_request', field: 'correlation_id' } }]);
    expect(Buffer.from(String(anonymous[0]!['value_base64']), 'base64').equals(noCorrelation.value)).toBe(true);
    expect(lettersOf(h, 'bad-json')).toHaveLength(1);
    expect(lettersOf(h, 'wrong-type')).toHaveLength(1);
    expect(resultsOf(h, 'valid').map((r) => r.status)).toEqual(['completed']);
    expect(h.llm.calls.map((c) => c.id)).toEqual(['fine']);
  });

  it('throws on a Kafka outage while answering an invalid record; the retry publishes the stored answer once', async () => {
    // Prepare
    const h = await harness(fleet());
    const poison = record('not json', { headers: { correlation_id: 'poison' } });
    const valid = record({ id: 'after-poison', correlation_id: 'after-poison' });
    h.publisher.failNext(1);

    // Act
    const first = admit(h, [poison, valid]);
    await expect(first).rejects.toThrow(/Kafka outage/);
    const retry = await admit(h, [poison, valid]);
    const third = await admit(h, [poison, valid]);
    await h.idle();

    // Assess
    expect(retry).toMatchObject({ queued: 1, duplicates: 1, invalid: 0 });
    expect(third).toMatchObject({ queued: 0, duplicates: 2 });
    const copies = resultRecords(h, 'poison');
    expect(copies).toHaveLength(1);
    expect(JSON.parse(copies[0]!.value.toString())).toMatchObject({ status: 'failed', error: { code: 'invalid_request' } });
    expect(lettersOf(h, 'poison')).toHaveLength(1);
    expect(resultsOf(h, 'after-poison').map((r) => r.status)).toEqual(['completed']);
  });

  it('publishes an invalid answer at most once more, flagged, when only its dead letter failed', async () => {
    // Prepare: the result goes out, then Kafka fails on the dead letter.
    const h = await harness(fleet());
    const poison = record('{"id": 7}', { headers: { correlation_id: 'half' } });
    const original = h.publisher.publish.bind(h.publisher);
    let publishes = 0;
    h.publisher.publish = (messages) => (++publishes === 2 ? Promise.reject(new Error('Kafka outage on the dead letter')) : original(messages));

    // Act
    await expect(admit(h, [poison])).rejects.toThrow(/dead letter/);
    await admit(h, [poison]);
    await admit(h, [poison]);

    // Assess
    const copies = resultRecords(h, 'half');
    expect(copies).toHaveLength(2);
    expect(copies[0]!.headers?.['agentsched-redelivery']).toBeUndefined();
    expect(copies[1]!.headers?.['agentsched-redelivery']).toBe('1');
    expect(copies[1]!.value.toString()).toBe(copies[0]!.value.toString());
    expect(lettersOf(h, 'half')).toHaveLength(1);
  });

  it('answers a request too large for the queue as invalid instead of throwing', async () => {
    // Prepare: random base64 does not compress: ~300 KB gzipped for the request and again for the raw value.
    const h = await harness(fleet());
    const content = randomBytes(300_000).toString('base64');
    const huge = record({ id: 'huge', correlation_id: 'huge-c', content, priority: 'low' });
    const small = record({ id: 'small', correlation_id: 'small-c' });

    // Act
    const summary = await admit(h, [huge, small]);
    await h.idle();

    // Assess
    expect(summary).toMatchObject({ records: 2, queued: 1, invalid: 1 });
    expect(resultsOf(h, 'huge-c')).toMatchObject([{ status: 'failed', id: 'huge', priority: 'low', error: { code: 'invalid_request', field: '$' } }]);
    expect(resultsOf(h, 'huge-c')[0]!.error!.message).toMatch(/too large/);
    expect(lettersOf(h, 'huge-c')).toHaveLength(1);
    expect(h.llm.calls.map((c) => c.id)).toEqual(['small']);
  });

  it('counts a redelivered too-large request as a duplicate and does not answer it again', async () => {
    // Prepare
    const h = await harness(fleet());
    const huge = record({ id: 'huge-again', correlation_id: 'huge-again', content: randomBytes(300_000).toString('base64') });
    await admit(h, [huge]);

    // Act
    const again = await admit(h, [huge]);

    // Assess
    expect(resultsOf(h, 'huge-again')).toHaveLength(1);
    expect(lettersOf(h, 'huge-again')).toHaveLength(1);
    expect(again).toMatchObject({ records: 1, queued: 0, duplicates: 1, invalid: 0 });
  });
});
