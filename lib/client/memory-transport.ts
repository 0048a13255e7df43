import { randomUUID } from 'node:crypto';
import type { OutgoingRecord, RecordPublisher } from '../kafka/publisher.js';
import { decodeHeaders } from '../local/consumer.js';
import type { MemoryLog } from '../local/memory-log.js';
import { MemoryEventSource } from '../local/memory-source.js';
import type { ClientTransport, ReplyRecord, ReplySubscription, SubscribeOptions } from './transport.js';

/**
 * {@link ClientTransport} on the in-process {@link MemoryLog} that `npm start` uses when no broker
 * is configured: the same client (and gateway) then talks to the in-process scheduler.
 */
export class MemoryClientTransport implements ClientTransport {
  private readonly publisher: RecordPublisher;
  private readonly source: MemoryEventSource;

  constructor(private readonly log: MemoryLog) {
    this.publisher = log.publisher();
    this.source = new MemoryEventSource(log);
  }

  publish(records: readonly OutgoingRecord[]): Promise<void> {
    return this.publisher.publish(records);
  }

  ensureTopic(name: string): Promise<boolean> {
    const existed = this.log.hasTopic(name);
    this.log.createTopic(name, 1);
    return Promise.resolve(!existed);
  }

  /** The in-process log cannot delete topics; a reply topic simply stays empty. */
  deleteTopic(): Promise<void> {
    return Promise.resolve();
  }

  async subscribe(topic: string, onRecord: (record: ReplyRecord) => void, opts: SubscribeOptions = {}): Promise<ReplySubscription> {
    this.log.createTopic(topic, 1);
    // The source fixes its starting position synchronously inside subscribe(): nothing is missed.
    const handle = await this.source.subscribe(
      { groupId: `agentsched-client-${randomUUID()}`, topics: [topic], fromBeginning: opts.fromBeginning ?? false },
      async (delivery) => {
        for (const r of delivery.records) onRecord({ value: r.value ?? Buffer.alloc(0), headers: decodeHeaders(r.headers) });
        const last = delivery.records[delivery.records.length - 1];
        if (last) await delivery.commit((BigInt(last.offset) + 1n).toString());
      },
    );
    return { close: () => handle.stop() };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
