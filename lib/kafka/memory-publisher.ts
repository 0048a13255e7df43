import { InfrastructureError } from '../errors/index.js';
import type { OutgoingRecord, RecordPublisher } from './publisher.js';

/**
 * In-memory {@link RecordPublisher} for unit tests: keeps what was published, in order, and
 * can be told to fail the next publishes as a broker outage would.
 */
export class MemoryPublisher implements RecordPublisher {
  readonly published: OutgoingRecord[] = [];
  /** Calls to `publish`, including failed ones. */
  calls = 0;
  closed = false;
  private failures = 0;

  /** The next `count` publishes reject with an InfrastructureError and publish nothing. */
  failNext(count = 1): void {
    this.failures += count;
  }

  publish(messages: readonly OutgoingRecord[]): Promise<void> {
    this.calls += 1;
    if (this.closed) return Promise.reject(new InfrastructureError('Kafka publisher is closed'));
    if (this.failures > 0) {
      this.failures -= 1;
      return Promise.reject(new InfrastructureError('simulated Kafka outage'));
    }
    this.published.push(...messages.map((m) => ({ ...m })));
    return Promise.resolve();
  }

  /** Published records of one topic. */
  on(topic: string): OutgoingRecord[] {
    return this.published.filter((m) => m.topic === topic);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
