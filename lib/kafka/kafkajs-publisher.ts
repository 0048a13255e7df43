import { Partitioners } from 'kafkajs';
import type { Kafka, Message, Producer, RetryOptions } from 'kafkajs';
import { InfrastructureError, toError } from '../errors/index.js';
import { createKafka } from './client.js';
import type { KafkaClientOptions } from './client.js';
import { groupByTopic } from './publisher.js';
import type { OutgoingRecord, RecordPublisher } from './publisher.js';

export interface KafkajsPublisherOptions {
  /** Let the broker create a topic on first publish (its `auto.create.topics.enable` decides). Default true. */
  allowAutoTopicCreation?: boolean;
  /** Broker-side wait for all in-sync replicas, per request. Default 10 s. */
  ackTimeoutMs?: number;
  /**
   * Producer retries. kafkajs retries an idempotent producer forever by default; bounded here
   * so a dead broker fails the batch (which Lambda then retries) instead of hanging until the
   * function times out. A retried send may then duplicate: consumers dedupe by request id.
   */
  retry?: RetryOptions;
}

/**
 * {@link RecordPublisher} on a kafkajs idempotent producer (acks = all). Connects on first use
 * and stays connected, so a warm Lambda container reuses the connection.
 */
export class KafkajsPublisher implements RecordPublisher {
  private readonly producer: Producer;
  private readonly ackTimeoutMs: number;
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(kafka: Kafka, opts: KafkajsPublisherOptions = {}) {
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
    this.producer = kafka.producer({
      idempotent: true,
      // kafkajs tracks idempotent sequence numbers per partition and serialises produce
      // requests per broker; one request in flight keeps a failed one from reordering others.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: opts.allowAutoTopicCreation ?? true,
      // The Java-compatible murmur2 partitioner; naming it silences kafkajs's v2 warning.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: opts.retry ?? { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
    });
  }

  async publish(messages: readonly OutgoingRecord[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    const topicMessages = [...groupByTopic(messages)].map(([topic, list]) => ({ topic, messages: list.map(toMessage) }));
    try {
      await this.producer.sendBatch({ topicMessages, acks: -1, timeout: this.ackTimeoutMs });
    } catch (err: unknown) {
      const topics = topicMessages.map((t) => t.topic).join(', ');
      throw new InfrastructureError(`Kafka publish to ${topics} failed: ${toError(err).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const connecting = this.connecting;
    this.connecting = undefined;
    if (!connecting) return;
    await connecting.catch(() => undefined);
    await this.producer.disconnect();
  }

  private connect(): Promise<void> {
    if (this.closed) return Promise.reject(new InfrastructureError('Kafka publisher is closed'));
    this.connecting ??= this.producer.connect().catch((err: unknown) => {
      // Forget the failed attempt so the next publish tries again.
      this.connecting = undefined;
      throw new InfrastructureError(`Kafka producer cannot connect: ${toError(err).message}`, { cause: err });
    });
    return this.connecting;
  }
}

function toMessage(m: OutgoingRecord): Message {
  const message: Message = { key: m.key ?? null, value: m.value };
  if (m.headers) message.headers = m.headers;
  return message;
}

export interface SharedPublisherConfig extends KafkajsPublisherOptions {
  brokers: string[];
  clientId?: string;
  client?: KafkaClientOptions;
}

const shared = new Map<string, KafkajsPublisher>();

/**
 * One publisher per broker list and client id for the life of the process: module scope
 * survives between invocations of a warm Lambda container.
 */
export function getSharedPublisher(config: SharedPublisherConfig): KafkajsPublisher {
  const clientId = config.clientId ?? 'agentsched';
  const key = `${config.brokers.join(',')}|${clientId}`;
  let publisher = shared.get(key);
  if (!publisher) {
    publisher = new KafkajsPublisher(createKafka(config.brokers, clientId, config.client), config);
    shared.set(key, publisher);
  }
  return publisher;
}

/** Closes every shared publisher (tests, graceful shutdown of the local runner). */
export async function closeSharedPublishers(): Promise<void> {
  const all = [...shared.values()];
  shared.clear();
  await Promise.all(all.map((p) => p.close()));
}
