import { describe, expect, it } from 'vitest';
import { encodeKafkaEvent } from '../../../lib/kafka/event.js';
import { correlationIdsOf, MAX_CORRELATION_IDS } from '../../../lib/observability/correlation.js';

describe('Correlation ids of an invocation', () => {
  it('reads the correlation_id headers of a Kafka batch (never the payload)', () => {
    const records = ['a', 'b'].map((cid, i) => ({ topic: 't', partition: 0, offset: String(i), timestamp: 0, key: null, value: Buffer.from('{"secret":"prompt"}'), headers: { correlation_id: cid } }));
    expect(correlationIdsOf(encodeKafkaEvent(records, 'self-managed'))).toEqual(['a', 'b']);
  });

  it('reads the requests of a call doorbell, at most MAX_CORRELATION_IDS', () => {
    const calls = Array.from({ length: 30 }, (_, i) => ({ key: { id: `r${i}`, correlationId: `c${i}` }, owner: 'o' }));
    const ids = correlationIdsOf({ kind: 'agentsched.call', sentAt: 0, calls });
    expect(ids).toHaveLength(MAX_CORRELATION_IDS);
    expect(ids[0]).toBe('c0');
  });

  it('uses the id of a scheduled event, and nothing for anything else', () => {
    expect(correlationIdsOf({ 'detail-type': 'Scheduled Event', id: 'ev-1', source: 'aws.events' })).toEqual(['ev-1']);
    expect(correlationIdsOf('garbage')).toEqual([]);
    expect(correlationIdsOf({ records: 'no' })).toEqual([]);
  });
});
