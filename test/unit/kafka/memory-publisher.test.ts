import { describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../lib/errors/index.js';
import { MemoryPublisher } from '../../../lib/kafka/memory-publisher.js';
import { groupByTopic } from '../../../lib/kafka/publisher.js';

describe('MemoryPublisher', () => {
  it('records what was published, in order, per topic', async () => {
    const publisher = new MemoryPublisher();

    await publisher.publish([
      { topic: 'results', value: 'a' },
      { topic: 'dead_letter', value: 'b' },
      { topic: 'results', value: 'c', headers: { correlation_id: 'x' } },
    ]);

    expect(publisher.on('results').map((m) => m.value)).toEqual(['a', 'c']);
    expect(publisher.published).toHaveLength(3);
  });

  it('fails the next publishes with an InfrastructureError when told to, publishing nothing', async () => {
    const publisher = new MemoryPublisher();
    publisher.failNext(1);

    await expect(publisher.publish([{ topic: 'results', value: 'a' }])).rejects.toBeInstanceOf(InfrastructureError);
    await publisher.publish([{ topic: 'results', value: 'b' }]);

    expect(publisher.published.map((m) => m.value)).toEqual(['b']);
    expect(publisher.calls).toBe(2);
  });

  it('rejects publishes after close', async () => {
    const publisher = new MemoryPublisher();
    await publisher.close();

    await expect(publisher.publish([{ topic: 'results', value: 'a' }])).rejects.toThrow(/closed/);
  });
});

describe('groupByTopic', () => {
  it('groups records by topic and keeps their order within a topic', () => {
    const grouped = groupByTopic([
      { topic: 'a', value: '1' },
      { topic: 'b', value: '2' },
      { topic: 'a', value: '3' },
    ]);

    expect([...grouped.keys()]).toEqual(['a', 'b']);
    expect(grouped.get('a')!.map((m) => m.value)).toEqual(['1', '3']);
  });
});
