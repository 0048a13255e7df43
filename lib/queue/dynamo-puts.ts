import { randomUUID } from 'node:crypto';
import type { Item, TableIO } from '../capacity/dynamo-io.js';
import { InfrastructureError } from '../errors/index.js';
import { decodeItem } from './dynamo-codec.js';
import { insertStatement } from './dynamo-partiql.js';
import type { EnqueueOutcome } from './types.js';
import type { WriteBatcher } from './write-batcher.js';

let writes = 0;
const WRITER = randomUUID().slice(0, 8);
/** Unique per put: this process's id and a counter. */
const nextWriteId = (): string => `${WRITER}.${(writes += 1)}`;

/** The queue's registrations (enqueue, enqueueClaimed, storeAnswer): new items, put only where the key is free. */
export class QueuePuts {
  constructor(
    private readonly io: TableIO,
    private readonly batch: WriteBatcher,
  ) {}

  /**
   * Puts a new item; `present` with the item found when its key is registered. The item carries a
   * write id (`wid`, unique per put): a put whose first attempt was applied but timed out, and was
   * sent again, finds its own item — `queued`, not somebody else's registration.
   */
  async putNew(item: Item, rounds = 3): Promise<EnqueueOutcome> {
    const mine = { ...item, wid: nextWriteId() };
    let old: Item | undefined;
    const outcome = await this.batch.write(insertStatement(this.io.table, mine), async () => {
      const res = await this.io.putIf(mine, { expression: 'attribute_not_exists(pk)' });
      old = res.ok ? undefined : res.item;
      return res.ok ? 'ok' : 'duplicate';
    });
    if (outcome === 'ok') return { kind: 'queued' };
    old ??= await this.io.get({ pk: String(item['pk']), sk: String(item['sk']) });
    if (old?.['wid'] === mine.wid) return { kind: 'queued' };
    if (old) return { kind: 'present', item: decodeItem(old) };
    // Gone between the write and the read (expired): register it after all.
    if (rounds > 0) return this.putNew(item, rounds - 1);
    throw new InfrastructureError(`queue item ${String(item['sk'])} keeps refusing the put and is never there`);
  }

  /** `present` with the item registered under `item`'s key; `queued` when there is none. */
  async present(item: Item): Promise<EnqueueOutcome> {
    const old = await this.io.get({ pk: String(item['pk']), sk: String(item['sk']) });
    if (old) return { kind: 'present', item: decodeItem(old) };
    return { kind: 'queued' };
  }
}
