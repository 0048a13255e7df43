import { InfrastructureError } from '../errors/index.js';
import type { RecordHeaders } from '../kafka/event.js';
import { groupByTopic } from '../kafka/publisher.js';
import type { OutgoingRecord, RecordPublisher } from '../kafka/publisher.js';
import type { SourceRecord } from './source.js';

/**
 * A small in-process log standing in for the broker when `npm start` runs without Kafka:
 * topics with partitions, offsets, and the committed offsets of consumer groups. It is just
 * enough for the event-source runner and the publishers to share one place, not a Kafka
 * re-implementation: no replication, no persistence, no compaction, and (in
 * {@link MemoryEventSource}) one consumer per group.
 */
export interface MemoryLogOptions {
  /** Partitions of a topic created implicitly by a publish (Kafka's `num.partitions`). Default 1. */
  defaultPartitions?: number;
  /** Oldest records are dropped beyond this many per partition. Default 100,000. */
  retainPerPartition?: number;
  now?: () => number;
}

export interface AppendInput {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: RecordHeaders;
  /** Chosen from the key (or round robin) when absent. */
  partition?: number;
}

interface Partition {
  /** Offset of `records[0]`. */
  start: bigint;
  records: SourceRecord[];
  waiters: Set<() => void>;
}

export class MemoryLog {
  private readonly topics = new Map<string, Partition[]>();
  private readonly groups = new Map<string, Map<string, bigint>>();
  private readonly defaultPartitions: number;
  private readonly retain: number;
  private readonly now: () => number;
  private roundRobin = 0;

  constructor(opts: MemoryLogOptions = {}) {
    this.defaultPartitions = opts.defaultPartitions ?? 1;
    this.retain = opts.retainPerPartition ?? 100_000;
    this.now = opts.now ?? Date.now;
  }

  /** Creates the topic when missing (an existing one keeps its partitions). */
  createTopic(name: string, partitions: number): void {
    if (this.topics.has(name)) return;
    if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`${name}: partitions must be a positive integer`);
    this.topics.set(name, Array.from({ length: partitions }, () => ({ start: 0n, records: [], waiters: new Set() })));
  }

  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  partitionCount(topic: string): number {
    return this.partitionsOf(topic).length;
  }

  append(topic: string, input: AppendInput): SourceRecord {
    if (!this.topics.has(topic)) this.createTopic(topic, this.defaultPartitions);
    const partitions = this.partitionsOf(topic);
    const index = input.partition ?? this.choosePartition(input.key, partitions.length);
    const p = partitions[index];
    if (!p) throw new RangeError(`${topic} has no partition ${index}`);
    const record: SourceRecord = {
      topic,
      partition: index,
      offset: (p.start + BigInt(p.records.length)).toString(),
      timestamp: this.now(),
      timestampType: 'CREATE_TIME',
      key: input.key == null ? null : toBuffer(input.key),
      value: input.value == null ? null : toBuffer(input.value),
      headers: { ...input.headers },
    };
    p.records.push(record);
    if (p.records.length > this.retain) {
      const drop = p.records.length - this.retain;
      p.records.splice(0, drop);
      p.start += BigInt(drop);
    }
    const waiters = [...p.waiters];
    p.waiters.clear();
    for (const wake of waiters) wake();
    return record;
  }

  /** Up to `max` records from `from` (or from the oldest retained one, if `from` was dropped). */
  read(topic: string, partition: number, from: bigint, max: number): SourceRecord[] {
    const p = this.partitionOf(topic, partition);
    const index = from < p.start ? 0 : Number(from - p.start);
    return p.records.slice(index, index + max);
  }

  startOffset(topic: string, partition: number): bigint {
    return this.partitionOf(topic, partition).start;
  }

  /** The offset the next record will get. */
  endOffset(topic: string, partition: number): bigint {
    const p = this.partitionOf(topic, partition);
    return p.start + BigInt(p.records.length);
  }

  /** Calls `wake` once, on the next append to this partition. Returns a function that cancels it. */
  onAppend(topic: string, partition: number, wake: () => void): () => void {
    const waiters = this.partitionOf(topic, partition).waiters;
    waiters.add(wake);
    return () => waiters.delete(wake);
  }

  committed(groupId: string, topic: string, partition: number): bigint | undefined {
    return this.groups.get(groupId)?.get(`${topic}-${partition}`);
  }

  commit(groupId: string, topic: string, partition: number, offset: bigint): void {
    let group = this.groups.get(groupId);
    if (!group) this.groups.set(groupId, (group = new Map<string, bigint>()));
    group.set(`${topic}-${partition}`, offset);
  }

  /** A publisher appending to this log; topics it names are created on first use. */
  publisher(): RecordPublisher {
    return new MemoryLogPublisher(this);
  }

  private partitionsOf(topic: string): Partition[] {
    const partitions = this.topics.get(topic);
    if (!partitions) throw new InfrastructureError(`in-process topic ${topic} does not exist`);
    return partitions;
  }

  private partitionOf(topic: string, partition: number): Partition {
    const p = this.partitionsOf(topic)[partition];
    if (!p) throw new RangeError(`${topic} has no partition ${partition}`);
    return p;
  }

  // Same key → same partition (FNV-1a; not Kafka's murmur2 numbering); no key → round robin.
  private choosePartition(key: Buffer | string | null | undefined, count: number): number {
    if (key == null) return this.roundRobin++ % count;
    let hash = 0x811c9dc5;
    for (const byte of toBuffer(key)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
    return hash % count;
  }
}

class MemoryLogPublisher implements RecordPublisher {
  constructor(private readonly log: MemoryLog) {}

  publish(messages: readonly OutgoingRecord[]): Promise<void> {
    for (const [topic, list] of groupByTopic(messages)) {
      for (const m of list) {
        const input: AppendInput = { key: m.key ?? null, value: m.value };
        if (m.headers) input.headers = m.headers;
        this.log.append(topic, input);
      }
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function toBuffer(v: Buffer | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
}
