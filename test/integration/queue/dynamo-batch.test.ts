import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../../lib/capacity/dynamo-client.js';
import { SdkDynamoWire, attachWire, wireFor } from '../../../lib/capacity/dynamo-wire.js';
import type { DynamoOp, DynamoWire, WireBody } from '../../../lib/capacity/dynamo-wire.js';
import { DynamoWorkQueue } from '../../../lib/queue/dynamo-queue.js';
import { deleteQueueTable } from '../../../lib/queue/table.js';
import { T0, answer, entry } from '../../unit/queue/queue-fixtures.js';
import { BACKENDS, openBackend } from '../capacity/support.js';
import type { Backend } from '../capacity/support.js';
import { uniqueName } from '../support/services.js';

/**
 * Batched writes (lib/queue/write-batcher.ts) on the real table: registrations and publish marks
 * issued together go out as BatchExecuteStatement calls on DynamoDB Local, each statement still
 * conditional on its own; dynalite, which has no PartiQL, gets the same outcomes item by item.
 */
describe.each(BACKENDS)('batched queue writes on %s', (name) => {
  let backend: Backend;
  let client: DynamoDBClient;
  let queue: DynamoWorkQueue;
  const ops: DynamoOp[] = [];
  const table = uniqueName('queue-batch');
  beforeAll(async () => {
    backend = await openBackend(name);
    client = createDynamoClient({ endpoint: backend.endpoint, region: 'us-east-1' });
    wireFor(client).observe((op) => ops.push(op));
    queue = new DynamoWorkQueue(client, table, { shards: 2 });
    await queue.ensureTable();
  });
  afterAll(async () => {
    await deleteQueueTable(client, table);
    client.destroy();
    await backend.close();
  });
  const since = (n: number): DynamoOp[] => ops.slice(n);
  const partiql = name === 'DynamoDB Local';

  it('registers concurrent requests in few calls, a key given twice finding the first', async () => {
    const entries = Array.from({ length: 30 }, () => entry());
    const n = ops.length;
    const out = await Promise.all([...entries.map((e) => queue.enqueue([e])), queue.enqueue([entries[3]!])]);
    expect(out.slice(0, 30).flat()).toEqual(entries.map(() => ({ kind: 'queued' })));
    expect(out[30]).toEqual([{ kind: 'present', item: await queue.get(entries[3]!.key) }]);
    for (const e of entries) expect((await queue.get(e.key))?.state).toBe('waiting');
    const writes = since(n).filter((op) => op !== 'GetItem');
    // 31 statements: 25 + 5 in the first round, the repeated key alone in the second.
    if (partiql) expect(writes).toEqual(['BatchExecuteStatement', 'BatchExecuteStatement', 'BatchExecuteStatement']);
    else expect(writes.filter((op) => op === 'PutItem')).toHaveLength(31);
  });

  it('marks concurrent answers published in one call, only where the owner holds the completed item', async () => {
    const entries = Array.from({ length: 6 }, () => entry());
    await queue.enqueue(entries);
    for (const e of entries) {
      await queue.claim(e.key, 'w', 10_000, T0);
      await queue.complete(e.key, 'w', answer(e.key), 10_000, T0);
    }
    const stranger = entry();
    await queue.enqueue([stranger]);
    const n = ops.length;
    await Promise.all([...entries.slice(0, 5).map((e) => queue.markPublished(e.key, 'w', T0 + 1)), queue.markPublished(entries[5]!.key, 'other', T0 + 1), queue.markPublished(stranger.key, 'w', T0 + 1)]);
    if (partiql) expect(since(n)).toEqual(['BatchExecuteStatement']);
    else expect(since(n).filter((op) => op === 'UpdateItem')).toHaveLength(7);
    for (const e of entries.slice(0, 5)) expect(await queue.get(e.key)).toMatchObject({ state: 'published', result: answer(e.key), request: {} });
    expect(await queue.get(entries[5]!.key)).toMatchObject({ state: 'completed', owner: 'w' });
    expect((await queue.get(stranger.key))?.state).toBe('waiting');
    expect(await queue.lapsed(T0 + 1_000_000, 50)).toEqual([expect.objectContaining({ key: entries[5]!.key })]);
  });
});

/** Every write is applied twice, the caller seeing the second answer: a first attempt applied whose response was lost, sent again. */
class ResendingWire implements DynamoWire {
  constructor(private readonly inner: DynamoWire) {}
  async call(op: DynamoOp, input: WireBody): Promise<WireBody> {
    if (op === 'BatchExecuteStatement' || op === 'PutItem') await this.inner.call(op, input).catch(() => undefined);
    return this.inner.call(op, input);
  }
  observe(): void {}
  close(): void {}
}

describe.each(BACKENDS)('a registration sent twice on %s', (name) => {
  let backend: Backend;
  let client: DynamoDBClient;
  let queue: DynamoWorkQueue;
  const table = uniqueName('queue-resend');
  beforeAll(async () => {
    backend = await openBackend(name);
    client = createDynamoClient({ endpoint: backend.endpoint, region: 'us-east-1', client: 'sdk' });
    const setup = new DynamoWorkQueue(client, table, { shards: 2 });
    await setup.ensureTable();
    attachWire(client, new ResendingWire(new SdkDynamoWire(client)));
    queue = new DynamoWorkQueue(client, table, { shards: 2 });
  });
  afterAll(async () => {
    await deleteQueueTable(client, table);
    client.destroy();
    await backend.close();
  });

  it('finds its own item: queued, and a claimed registration still its owner’s', async () => {
    const waiting = entry();
    const claimed = entry();
    expect(await queue.enqueue([waiting])).toEqual([{ kind: 'queued' }]);
    expect(await queue.enqueueClaimed(claimed, 'me', 10_000, T0)).toEqual({ kind: 'queued' });
    expect(await queue.get(claimed.key)).toMatchObject({ state: 'running', owner: 'me' });
    // Somebody else's registration of the same key is still recognised as theirs.
    expect(await queue.enqueue([waiting])).toEqual([{ kind: 'present', item: await queue.get(waiting.key) }]);
    expect(await queue.enqueueClaimed(claimed, 'other', 10_000, T0)).toMatchObject({ kind: 'present', item: { owner: 'me' } });
  });
});
