import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { TableIO } from '../../../lib/capacity/dynamo-io.js';
import { attachWire } from '../../../lib/capacity/dynamo-wire.js';
import type { DynamoOp, DynamoWire, WireBody } from '../../../lib/capacity/dynamo-wire.js';

/**
 * A query over 1,000 items of which every `matchEvery`-th matches the filter: it answers each page
 * as DynamoDB does (Limit counts items read, before the filter) and records the Limits asked for.
 */
class FilteringWire implements DynamoWire {
  readonly limits: number[] = [];
  constructor(private readonly matchEvery: number) {}
  call(op: DynamoOp, input: WireBody): Promise<WireBody> {
    expect(op).toBe('Query');
    const limit = Number(input['Limit']);
    this.limits.push(limit);
    const from = input['ExclusiveStartKey'] ? Number((input['ExclusiveStartKey'] as { n: { N: string } }).n.N) : 0;
    const to = Math.min(1_000, from + limit);
    const items = [];
    for (let n = from; n < to; n++) if (n % this.matchEvery === 0) items.push({ n: { N: String(n) } });
    return Promise.resolve({ Items: items, Count: items.length, ScannedCount: to - from, ...(to < 1_000 ? { LastEvaluatedKey: { n: { N: String(to) } } } : {}) });
  }
  observe(): void {}
  close(): void {}
}

function ioOn(wire: DynamoWire): TableIO {
  const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  attachWire(client, wire);
  return new TableIO(client, 't');
}

const filtered = { KeyConditionExpression: 'pk = :pk', FilterExpression: 'm = :m', ExpressionAttributeValues: { ':pk': 'p', ':m': 1 } };

describe('TableIO.query with a filter', () => {
  it('asks for a little more than it wants when most items match', async () => {
    const wire = new FilteringWire(1);
    const out = await ioOn(wire).query(filtered, { maxItems: 32, maxScanned: 500 });
    expect(out.items).toHaveLength(32);
    expect(wire.limits).toEqual([40]);
  });

  it('doubles the page while too few match, within the scan cap', async () => {
    const wire = new FilteringWire(10);
    const out = await ioOn(wire).query(filtered, { maxItems: 32, maxScanned: 500 });
    // Pages grow (a little over what is still wanted, doubled each page): 4 reads of 330 items, not 32 of 10.
    expect(wire.limits).toEqual([40, 70, 108, 112]);
    expect(out.items).toHaveLength(32);
    expect(out.items.map((i) => i['n'])).toEqual(Array.from({ length: 32 }, (_, i) => i * 10));
  });

  it('reads up to the cap when nothing matches', async () => {
    const wire = new FilteringWire(10_000);
    const out = await ioOn(wire).query(filtered, { maxItems: 32, maxScanned: 500 });
    expect(wire.limits.reduce((a, b) => a + b, 0)).toBe(500);
    expect(out.items).toEqual([{ n: 0 }]);
  });
});
