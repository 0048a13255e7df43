import type { OutgoingRecord } from '../kafka/publisher.js';

export interface PublishBatcherOptions {
  /** Most records per publish call. Default 500. */
  maxRecords?: number;
  /** Most value bytes per publish call (one record may exceed it alone). Default 900 KiB. */
  maxBytes?: number;
}

interface Queued {
  record: OutgoingRecord;
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces the records of many concurrent `request()` calls into few publish calls. The
 * producer keeps one request in flight (idempotent, ordered), so a thousand separate sends
 * would queue one behind another; instead, whatever arrives while a send is in flight goes
 * out together in the next one. Each caller still learns whether its own record was acked.
 */
export class PublishBatcher {
  private readonly queue: Queued[] = [];
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private running: Promise<void> | undefined;

  constructor(
    private readonly publish: (records: readonly OutgoingRecord[]) => Promise<void>,
    opts: PublishBatcherOptions = {},
  ) {
    this.maxRecords = opts.maxRecords ?? 500;
    this.maxBytes = opts.maxBytes ?? 900 * 1024;
  }

  /** Resolves once `record` is acknowledged; rejects with the publish error of its batch. */
  add(record: OutgoingRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, bytes: Buffer.byteLength(record.value), resolve, reject });
      // setImmediate: every request() started in the same tick joins the first batch.
      this.running ??= new Promise<void>((done) => setImmediate(done)).then(() => this.drain());
    });
  }

  /** Resolves when nothing is queued or being sent. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        try {
          await this.publish(batch.map((q) => q.record));
          for (const q of batch) q.resolve();
        } catch (err: unknown) {
          for (const q of batch) q.reject(err);
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private take(): Queued[] {
    let bytes = 0;
    let count = 0;
    for (const q of this.queue) {
      if (count === this.maxRecords || (count > 0 && bytes + q.bytes > this.maxBytes)) break;
      bytes += q.bytes;
      count += 1;
    }
    return this.queue.splice(0, count);
  }
}
