import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Config } from '../config/schema.js';
import { InfrastructureError, toError } from '../errors/index.js';
import { deleteTopics, ensureTopics, withAdmin } from '../kafka/admin.js';
import { createKafka } from '../kafka/client.js';
import type { KafkaClientOptions } from '../kafka/client.js';
import { KafkajsPublisher } from '../kafka/kafkajs-publisher.js';
import type { OutgoingRecord, RecordPublisher } from '../kafka/publisher.js';
import { decodeHeaders } from '../local/consumer.js';
import type { ClientTransport, ReplyRecord, ReplySubscription, SubscribeOptions } from './transport.js';

export interface KafkaClientTransportOptions {
  /** Default: a {@link KafkajsPublisher} of this transport's own, closed with it. */
  publisher?: RecordPublisher;
  /** Each subscription joins a group of its own: `<prefix>-<uuid>`. Default `agentsched-client`. */
  groupIdPrefix?: string;
  /** Partitions of a reply topic this transport creates. Default 1. */
  replyPartitions?: number;
  /** Longest a reply fetch waits on the broker when nothing is there (default 100 ms). */
  fetchMaxWaitMs?: number;
  /** How long `subscribe` waits for the group join and first fetch. Default 30 s. */
  joinTimeoutMs?: number;
  /** Consumer crashes and cleanup failures (default: one line on stderr). */
  onError?: (error: Error) => void;
}

/**
 * {@link ClientTransport} on kafkajs: an idempotent producer for requests and, per
 * subscription, a consumer in a group of its own (no other member can steal its replies).
 */
export class KafkaClientTransport implements ClientTransport {
  private readonly publisher: RecordPublisher;
  private readonly ownsPublisher: boolean;
  private readonly onError: (error: Error) => void;

  constructor(
    private readonly kafka: Kafka,
    private readonly opts: KafkaClientTransportOptions = {},
  ) {
    this.ownsPublisher = opts.publisher === undefined;
    this.publisher = opts.publisher ?? new KafkajsPublisher(kafka);
    this.onError = opts.onError ?? ((e) => process.stderr.write(`[agentsched-client] ${e.message}\n`));
  }

  /** A transport on the brokers and client id of `config.kafka` (KAFKA_BROKERS already applied by loadConfig). */
  static fromConfig(
    config: Pick<Config, 'kafka'>,
    opts: KafkaClientTransportOptions & { client?: KafkaClientOptions } = {},
  ): KafkaClientTransport {
    return new KafkaClientTransport(createKafka(config.kafka.bootstrap_servers, config.kafka.client_id, opts.client), opts);
  }

  publish(records: readonly OutgoingRecord[]): Promise<void> {
    return this.publisher.publish(records);
  }

  async ensureTopic(name: string): Promise<boolean> {
    const created = await ensureTopics(this.kafka, [{ name, partitions: this.opts.replyPartitions ?? 1 }]);
    return created.includes(name);
  }

  async deleteTopic(name: string): Promise<void> {
    try {
      await deleteTopics(this.kafka, [name]);
    } catch (err: unknown) {
      this.onError(new InfrastructureError(`could not delete reply topic ${name}: ${toError(err).message}`, { cause: err }));
    }
  }

  async subscribe(topic: string, onRecord: (record: ReplyRecord) => void, opts: SubscribeOptions = {}): Promise<ReplySubscription> {
    const groupId = `${this.opts.groupIdPrefix ?? 'agentsched-client'}-${randomUUID()}`;
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 10_000,
      maxWaitTimeInMs: this.opts.fetchMaxWaitMs ?? 100,
      allowAutoTopicCreation: false,
    });
    const ready = this.readiness(consumer);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: opts.fromBeginning ?? false });
      await consumer.run({
        eachBatch: ({ batch }) => {
          for (const m of batch.messages) onRecord({ value: m.value ?? Buffer.alloc(0), headers: decodeHeaders(m.headers ?? {}) });
          return Promise.resolve();
        },
      });
      await ready.promise;
    } catch (err: unknown) {
      ready.cancel();
      await consumer.disconnect().catch(() => undefined);
      throw new InfrastructureError(`cannot read reply topic ${topic}: ${toError(err).message}`, { cause: err });
    }
    consumer.on(consumer.events.CRASH, (event) => this.onError(toError(event.payload.error)));
    let closed: Promise<void> | undefined;
    return {
      close: () =>
        (closed ??= (async () => {
          await consumer.disconnect();
          // An empty group would expire by itself; deleting it keeps the broker tidy.
          await withAdmin(this.kafka, (admin) => admin.deleteGroups([groupId])).catch(() => undefined);
        })()),
    };
  }

  async close(): Promise<void> {
    if (this.ownsPublisher) await this.publisher.close();
  }

  /**
   * Resolves after the group join and the first fetch that follows it: by then the partition
   * offsets are resolved, so a reply published afterwards is read even with fromBeginning false.
   */
  private readiness(consumer: Consumer): { promise: Promise<void>; cancel: () => void } {
    const removers: (() => void)[] = [];
    let timer: NodeJS.Timeout | undefined;
    const cancel = (): void => {
      clearTimeout(timer);
      for (const remove of removers.splice(0)) remove();
    };
    const promise = new Promise<void>((resolve, reject) => {
      const timeoutMs = this.opts.joinTimeoutMs ?? 30_000;
      timer = setTimeout(() => {
        cancel();
        reject(new Error(`the reply consumer did not join its group within ${timeoutMs} ms`));
      }, timeoutMs);
      let joined = false;
      removers.push(consumer.on(consumer.events.GROUP_JOIN, () => (joined = true)));
      removers.push(
        consumer.on(consumer.events.FETCH, () => {
          if (!joined) return;
          cancel();
          resolve();
        }),
      );
      removers.push(
        consumer.on(consumer.events.CRASH, (event) => {
          cancel();
          reject(toError(event.payload.error));
        }),
      );
    });
    // The caller may fail before awaiting this; never leave an unhandled rejection behind.
    promise.catch(() => undefined);
    return { promise, cancel };
  }
}
