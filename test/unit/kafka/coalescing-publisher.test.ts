import { describe, expect, it } from 'vitest';
import { CoalescingPublisher, MAX_COALESCED_BYTES, MAX_COALESCED_RECORDS } from '../../../lib/kafka/coalescing-publisher.js';
import type { OutgoingRecord, RecordPublisher } from '../../../lib/kafka/publisher.js';

/** A publisher whose produce requests complete only when the test says so. */
class HeldPublisher implements RecordPublisher {
  readonly requests: { messages: OutgoingRecord[]; done: (err?: Error) => void }[] = [];

  publish(messages: readonly OutgoingRecord[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.requests.push({ messages: [...messages], done: (err) => (err ? reject(err) : resolve()) });
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const rec = (value: string): OutgoingRecord => ({ topic: 't', key: null, value });
const tick = () => new Promise((r) => setImmediate(r));

describe('Class: CoalescingPublisher', () => {
  it('sends at once when idle, and gathers what is published meanwhile into the next request, in order', async () => {
    const inner = new HeldPublisher();
    const p = new CoalescingPublisher(inner);
    const settled: string[] = [];
    const a = p.publish([rec('a')]).then(() => settled.push('a'));
    const b = p.publish([rec('b1'), rec('b2')]).then(() => settled.push('b'));
    const c = p.publish([rec('c')]).then(() => settled.push('c'));
    await tick();
    expect(inner.requests.map((r) => r.messages.map((m) => m.value))).toEqual([['a']]);
    inner.requests[0]!.done();
    await a;
    await tick();
    expect(inner.requests.map((r) => r.messages.map((m) => m.value))).toEqual([['a'], ['b1', 'b2', 'c']]);
    expect(settled).toEqual(['a']);
    inner.requests[1]!.done();
    await Promise.all([b, c]);
    expect(settled).toEqual(['a', 'b', 'c']);
  });

  it('fails exactly the callers whose records the failed request carried, and goes on', async () => {
    const inner = new HeldPublisher();
    const p = new CoalescingPublisher(inner);
    const first = p.publish([rec('a')]);
    const second = p.publish([rec('b')]).catch((e: unknown) => e);
    await tick();
    inner.requests[0]!.done(new Error('broker down'));
    await expect(first).rejects.toThrow('broker down');
    await tick();
    inner.requests[1]!.done();
    expect(await second).toBeUndefined();
  });

  it('splits a backlog by record count and by bytes, never splitting one caller', async () => {
    const inner = new HeldPublisher();
    const p = new CoalescingPublisher(inner);
    const pending = [p.publish([rec('head')])];
    for (let i = 0; i < MAX_COALESCED_RECORDS + 1; i++) pending.push(p.publish([rec(`r${i}`)]));
    const big = 'x'.repeat(MAX_COALESCED_BYTES);
    pending.push(p.publish([rec(big), rec(big)]));
    for (let i = 0; i < 3; i++) {
      await tick();
      inner.requests[i]!.done();
    }
    await tick();
    inner.requests[3]!.done();
    await Promise.all(pending);
    expect(inner.requests.map((r) => r.messages.length)).toEqual([1, MAX_COALESCED_RECORDS, 1, 2]);
  });
});
