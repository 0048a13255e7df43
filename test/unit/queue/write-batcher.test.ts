import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { TableIO } from '../../../lib/capacity/dynamo-io.js';
import { StatementsUnsupportedError } from '../../../lib/capacity/dynamo-statements.js';
import type { WriteStatement } from '../../../lib/capacity/dynamo-statements.js';
import { attachWire } from '../../../lib/capacity/dynamo-wire.js';
import type { DynamoOp, DynamoWire, WireBody } from '../../../lib/capacity/dynamo-wire.js';
import { WriteBatcher } from '../../../lib/queue/write-batcher.js';

/** Answers every statement ok, except those whose key is in `refuse`; records each call's statement keys. */
class RecordingWire implements DynamoWire {
  readonly batches: string[][] = [];
  unknownOperation = false;
  constructor(private readonly refuse = new Set<string>()) {}
  async call(op: DynamoOp, input: WireBody): Promise<WireBody> {
    expect(op).toBe('BatchExecuteStatement');
    await new Promise((r) => setTimeout(r, 1));
    if (this.unknownOperation) throw Object.assign(new Error('UnknownError'), { name: 'UnknownOperationException' });
    const keys = (input['Statements'] as { Statement: string }[]).map((s) => s.Statement);
    this.batches.push(keys);
    return { Responses: keys.map((k) => (this.refuse.has(k) ? { Error: { Code: 'ConditionalCheckFailed' } } : {})) };
  }
  observe(): void {}
  close(): void {}
}

function batcherOn(wire: RecordingWire): WriteBatcher {
  const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  attachWire(client, wire);
  return new WriteBatcher(new TableIO(client, 't'));
}

/** A statement whose text names its item and its place, so the calls show both. */
const st = (key: string, n = 0): WriteStatement => ({ statement: `${key}#${n}`, parameters: [], key });

describe('WriteBatcher', () => {
  it('sends the writes of one turn as one call, each caller getting its own outcome', async () => {
    const wire = new RecordingWire(new Set(['b#0']));
    const batcher = batcherOn(wire);
    const out = await Promise.all(['a', 'b', 'c'].map((k) => batcher.run(st(k))));
    expect(out).toEqual(['ok', 'refused', 'ok']);
    expect(wire.batches).toEqual([['a#0', 'b#0', 'c#0']]);
  });

  it('splits a turn into calls of at most 25 statements', async () => {
    const wire = new RecordingWire();
    const batcher = batcherOn(wire);
    await Promise.all(Array.from({ length: 60 }, (_, i) => batcher.run(st(`k${i}`))));
    expect(wire.batches.map((b) => b.length)).toEqual([25, 25, 10]);
    expect(wire.batches.flat()).toEqual(Array.from({ length: 60 }, (_, i) => `k${i}#0`));
  });

  it('keeps two writes of one item in order, in separate calls', async () => {
    const wire = new RecordingWire();
    const batcher = batcherOn(wire);
    await Promise.all([batcher.run(st('a', 0)), batcher.run(st('b', 0)), batcher.run(st('a', 1)), batcher.run(st('a', 2))]);
    expect(wire.batches).toEqual([['a#0', 'b#0'], ['a#1'], ['a#2']]);
  });

  it('sends a later turn’s writes in a call of their own', async () => {
    const wire = new RecordingWire();
    const batcher = batcherOn(wire);
    await batcher.run(st('a'));
    await batcher.run(st('b'));
    expect(wire.batches).toEqual([['a#0'], ['b#0']]);
  });

  it('remembers an endpoint without PartiQL and refuses every write at once after it', async () => {
    const wire = new RecordingWire();
    wire.unknownOperation = true;
    const batcher = batcherOn(wire);
    const first = await Promise.allSettled([batcher.run(st('a')), batcher.run(st('b'))]);
    expect(first.map((r) => r.status === 'rejected' && r.reason instanceof StatementsUnsupportedError)).toEqual([true, true]);
    expect(batcher.supported).toBe(false);
    wire.unknownOperation = false;
    await expect(batcher.run(st('c'))).rejects.toBeInstanceOf(StatementsUnsupportedError);
    expect(wire.batches).toEqual([]);
  });
});
