import { describe, expect, it } from 'vitest';
import { PublishBatcher } from '../../../lib/client/batcher.js';
import type { OutgoingRecord } from '../../../lib/kafka/publisher.js';

const rec = (i: number, value = `v${i}`): OutgoingRecord => ({ topic: 't', value });

describe('PublishBatcher', () => {
  it('sends records added in the same tick as one publish call', async () => {
    const calls: number[] = [];
    const batcher = new PublishBatcher((records) => {
      calls.push(records.length);
      return Promise.resolve();
    });
    await Promise.all(Array.from({ length: 100 }, (_, i) => batcher.add(rec(i))));
    expect(calls).toEqual([100]);
  });

  it('collects what arrives during a send into the next one, keeping order', async () => {
    const sent: string[][] = [];
    let release: () => void = () => undefined;
    const batcher = new PublishBatcher(async (records) => {
      sent.push(records.map((r) => String(r.value)));
      if (sent.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = batcher.add(rec(0));
    await new Promise((resolve) => setImmediate(resolve));
    const later = [batcher.add(rec(1)), batcher.add(rec(2))];
    release();
    await Promise.all([first, ...later]);
    expect(sent).toEqual([['v0'], ['v1', 'v2']]);
  });

  it('caps a call by record count and by bytes', async () => {
    const calls: number[] = [];
    const batcher = new PublishBatcher(
      (records) => {
        calls.push(records.length);
        return Promise.resolve();
      },
      { maxRecords: 3, maxBytes: 10 },
    );
    await Promise.all([1, 2, 3, 4].map((i) => batcher.add(rec(i, 'xxxx'))));
    expect(calls).toEqual([2, 2]);
  });

  it('rejects every record of a failed call with its error, and goes on with the next', async () => {
    let n = 0;
    const batcher = new PublishBatcher(() => (++n === 1 ? Promise.reject(new Error('broker down')) : Promise.resolve()));
    const failed = await Promise.allSettled([batcher.add(rec(1)), batcher.add(rec(2))]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(batcher.add(rec(3))).resolves.toBeUndefined();
    await batcher.idle();
  });
});
