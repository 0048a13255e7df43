import type { OutgoingRecord } from '../kafka/publisher.js';

/** A record read from the client's reply topic. Header values are UTF-8 strings. */
export interface ReplyRecord {
  value: Buffer;
  headers: Record<string, string>;
}

export interface SubscribeOptions {
  /**
   * Read what the topic already holds (default false: only what is published after subscribing).
   * True is the race-free choice for a topic this client has just created.
   */
  fromBeginning?: boolean;
}

export interface ReplySubscription {
  /** Stops reading and releases what the subscription holds (consumer, group). */
  close(): Promise<void>;
}

/**
 * What the client needs of a broker: publish, and read one topic from the moment it subscribes.
 * Implemented on kafkajs ({@link KafkaClientTransport}) and on the in-process log that
 * `npm start` uses without a broker ({@link MemoryClientTransport}).
 */
export interface ClientTransport {
  /** Resolves once every record is acknowledged. */
  publish(records: readonly OutgoingRecord[]): Promise<void>;
  /**
   * Starts reading `topic` and resolves only once nothing published afterwards can be missed.
   * `onRecord` must not throw; it is called in the topic's order.
   */
  subscribe(topic: string, onRecord: (record: ReplyRecord) => void, opts?: SubscribeOptions): Promise<ReplySubscription>;
  /** Creates the topic if missing. Returns true when this call created it. */
  ensureTopic?(name: string): Promise<boolean>;
  /** Deletes the topic (best effort). */
  deleteTopic?(name: string): Promise<void>;
  /** Releases the transport's own connections. */
  close(): Promise<void>;
}
