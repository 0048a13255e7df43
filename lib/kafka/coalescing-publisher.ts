import type { OutgoingRecord, RecordPublisher } from './publisher.js';

interface Waiting {
  messages: readonly OutgoingRecord[];
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Records sent in one produce request at most (larger backlogs go in several, in order). */
export const MAX_COALESCED_RECORDS = 500;
/**
 * Bytes of values one produce request gathers at most: the broker refuses a record batch (the
 * records of one partition) above `message.max.bytes`, 1 MB by default — one caller's own records
 * are never split, so a caller alone may send more.
 */
export const MAX_COALESCED_BYTES = 512 * 1024;

const sizeOf = (messages: readonly OutgoingRecord[]): number =>
  messages.reduce((n, m) => n + (typeof m.value === 'string' ? Buffer.byteLength(m.value) : m.value.byteLength) + (m.key?.length ?? 0), 0);

/**
 * A publisher that sends at once while nothing is in flight and, while a produce request is in
 * flight, gathers what callers publish meanwhile into the next one (like Nagle's algorithm: no
 * added wait at light load, fewer and larger produce requests under load — each costs the client
 * about the same CPU whatever it holds). Order is kept: records are sent in the order `publish`
 * was called. A caller's promise settles with the produce request that carried its records, so it
 * still resolves only once they are acknowledged (see `RecordPublisher`).
 */
export class CoalescingPublisher implements RecordPublisher {
  private queue: Waiting[] = [];
  private inFlight = false;

  constructor(private readonly inner: RecordPublisher) {}

  publish(messages: readonly OutgoingRecord[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ messages, bytes: sizeOf(messages), resolve, reject });
      if (!this.inFlight) void this.drain();
    });
  }

  async close(): Promise<void> {
    await this.inner.close();
  }

  private async drain(): Promise<void> {
    this.inFlight = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        try {
          await this.inner.publish(batch.flatMap((w) => w.messages));
          for (const w of batch) w.resolve();
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.inFlight = false;
    }
  }

  /** The next callers whose records fit one request (always at least one caller). */
  private take(): Waiting[] {
    let count = 0;
    let bytes = 0;
    let n = 0;
    for (; n < this.queue.length; n++) {
      const w = this.queue[n]!;
      if (n > 0 && (count + w.messages.length > MAX_COALESCED_RECORDS || bytes + w.bytes > MAX_COALESCED_BYTES)) break;
      count += w.messages.length;
      bytes += w.bytes;
    }
    const batch = this.queue.slice(0, n);
    this.queue = this.queue.slice(n);
    return batch;
  }
}
