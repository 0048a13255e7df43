import type { Consumer, ConsumerCrashEvent, ConsumerRunConfig, TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { toError } from '../errors/index.js';
import { ConsumerCrashedError, PartitionControlError } from './errors.js';

export interface GroupMemberOptions {
  groupId: string;
  topics: readonly string[];
  fromBeginning: boolean;
  /** A new kafkajs consumer for the group (the first one, and each replacement). */
  create: () => Consumer;
  run: ConsumerRunConfig;
  /** First wait before a dead consumer is replaced (default 1 s); doubles per attempt that fails. */
  restartMs?: number;
  /** Longest wait between replacement attempts (default 30 s). */
  restartMaxMs?: number;
  onError: (error: Error) => void;
}

/**
 * A subscription's membership of its consumer group, kept alive across broker outages.
 *
 * kafkajs restarts a crashed consumer itself only when the error is retriable (CRASH event with
 * `restart: true`). A non-retriable one leaves it stopped for good, its group's partitions never
 * fetched again — seen after a broker restart as `KafkaJSGroupCoordinatorNotFound` ("Failed to find
 * group coordinator"; https://github.com/tulios/kafkajs/issues/1630, /issues/1445). Such a consumer
 * is replaced by a new one for the same group, after a backoff (doubling, capped, every attempt
 * reported); the new member starts from the group's committed offsets.
 *
 * Between a crash and kafkajs' own restart, and on a dead consumer, `seek` / `pause` / `resume`
 * throw ("Consumer group was not initialized"). That group is gone: the next one starts unpaused,
 * from the last commit. So {@link seek} and {@link resume} report such a failure and carry on.
 */
export class GroupMember {
  private consumer: Consumer | undefined;
  private active = true;
  private attempts = 0;
  private timer: NodeJS.Timeout | undefined;
  private replacing: Promise<void> | undefined;

  constructor(private readonly o: GroupMemberOptions) {}

  /** Joins with the first consumer; a failure (e.g. a missing topic) is thrown, not retried. */
  start(): Promise<void> {
    return this.open();
  }

  commitOffsets(offsets: TopicPartitionOffsetAndMetadata[]): Promise<void> {
    if (!this.consumer) return Promise.reject(new Error(`${this.o.groupId}: no consumer`));
    return this.consumer.commitOffsets(offsets);
  }

  /** Moves the next fetch of a partition to `offset`; false when the consumer's group is gone. */
  seek(topic: string, partition: number, offset: string): boolean {
    return this.control('seek', topic, partition, (c) => c.seek({ topic, partition, offset }));
  }

  /** Resumes fetching a partition (on the current consumer); false when its group is gone. */
  resume(topic: string, partition: number): boolean {
    return this.control('resume', topic, partition, (c) => c.resume([{ topic, partitions: [partition] }]));
  }

  /** Stops replacing, then stops and disconnects the current consumer. */
  async stop(): Promise<void> {
    this.active = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.replacing;
    await this.consumer?.stop();
    await this.consumer?.disconnect();
  }

  private control(op: 'seek' | 'resume', topic: string, partition: number, fn: (c: Consumer) => void): boolean {
    try {
      if (!this.consumer) throw new Error('no consumer');
      fn(this.consumer);
      return true;
    } catch (err: unknown) {
      this.o.onError(new PartitionControlError(op, `${topic}[${partition}]`, { cause: err }));
      return false;
    }
  }

  private async open(): Promise<void> {
    const c = this.o.create();
    c.on(c.events.CRASH, (event) => this.crashed(c, event.payload));
    c.on(c.events.GROUP_JOIN, () => {
      if (c === this.consumer) this.attempts = 0;
    });
    // Current before it runs: deliveries still in flight resume and commit on the new consumer.
    this.consumer = c;
    await c.connect();
    try {
      await c.subscribe({ topics: [...this.o.topics], fromBeginning: this.o.fromBeginning });
      await c.run(this.o.run);
    } catch (err: unknown) {
      await c.disconnect().catch(() => undefined);
      throw err;
    }
  }

  private crashed(c: Consumer, payload: ConsumerCrashEvent['payload']): void {
    const error = toError(payload.error);
    const current = c === this.consumer && this.active;
    if (payload.restart || !current || this.timer) {
      const what = payload.restart ? 'kafkajs restarts it' : this.timer ? 'its replacement is due' : 'not restarted: stopping or superseded';
      this.o.onError(new ConsumerCrashedError(this.o.groupId, what, { cause: error }));
      return;
    }
    const delay = Math.min((this.o.restartMs ?? RESTART_MS) * 2 ** this.attempts, this.o.restartMaxMs ?? RESTART_MAX_MS);
    this.attempts += 1;
    this.o.onError(new ConsumerCrashedError(this.o.groupId, `replaced in ${delay} ms (attempt ${this.attempts})`, { cause: error }));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.replacing = this.replace(c).finally(() => (this.replacing = undefined));
    }, delay);
  }

  private async replace(dead: Consumer): Promise<void> {
    if (!this.active) return;
    // Normally a no-op: kafkajs disconnects a crashed consumer before it emits CRASH.
    await dead.disconnect().catch(() => undefined);
    if (!this.active) return;
    try {
      await this.open();
    } catch (err: unknown) {
      // The replacement did not even connect: report it and try again, later.
      this.crashed(this.consumer!, { error: toError(err), groupId: this.o.groupId, restart: false });
    }
  }
}

/** First wait before a dead consumer is replaced. */
const RESTART_MS = 1_000;
/** Longest wait between replacement attempts. */
const RESTART_MAX_MS = 30_000;
