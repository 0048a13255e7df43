// What a drill reads after its run: leases and queued requests left (after a reap), where an
// unanswered request is in the wait queue, and what the scheduler's consumer groups left unread.
import { createDynamoClient } from '../../lib/capacity/dynamo-client.js';
import { DynamoCapacityStore } from '../../lib/capacity/dynamo-store.js';
import { optionsFromConfig } from '../../lib/capacity/options.js';
import type { Config } from '../../lib/config/schema.js';
import { withAdmin } from '../../lib/kafka/admin.js';
import { createKafka } from '../../lib/kafka/client.js';
import { DynamoWorkQueue } from '../../lib/queue/dynamo-queue.js';
import type { LoadTopics } from './load.js';

export interface Leftovers {
  reaped: number;
  leases: number;
  queued: number;
}

async function withTable<T>(config: Config, endpoint: string, fn: (store: DynamoCapacityStore, queue: DynamoWorkQueue) => Promise<T>): Promise<T> {
  const client = createDynamoClient({ endpoint, region: config.dynamodb.region });
  try {
    const store = new DynamoCapacityStore(client, config.capacity.table, optionsFromConfig(config));
    const queue = new DynamoWorkQueue(client, config.capacity.queue_table, { shards: config.scheduler.queue_shards, agingMs: config.scheduler.aging_ms });
    return await fn(store, queue);
  } finally {
    client.destroy();
  }
}

/** Reaps expired leases (what functions/reaper does), then counts live leases and queued or running requests. */
export function leftovers(config: Config, endpoint: string): Promise<Leftovers> {
  return withTable(config, endpoint, async (store, queue) => {
    const reaped = await store.reap();
    let leases = 0;
    for (const m of config.models) leases += (await store.getModel(m.id))?.state.liveLeases ?? 0;
    const depth = await queue.depth();
    const running = await queue.lapsed(Date.now() + 3_600_000, 100);
    return { reaped: reaped.reclaimed, leases, queued: depth.high + depth.medium + depth.low + running.length };
  });
}

/** The wait-queue state of one request, or null when the queue has no item for it. */
export function queueState(config: Config, endpoint: string, id: string, correlationId: string): Promise<string | null> {
  return withTable(config, endpoint, async (_store, queue) => (await queue.get({ id, correlationId }))?.state ?? null);
}

/** Records of each priority topic the scheduler's consumer group (`<prefix>-<priority>`) has not committed. */
export function lag(brokers: string[], prefix: string, topics: LoadTopics): Promise<Record<string, number>> {
  const kafka = createKafka(brokers, `${prefix}-admin`, { logLevel: 'nothing' });
  return withAdmin(kafka, async (admin) => {
    const out: Record<string, number> = {};
    for (const p of ['high', 'medium', 'low'] as const) {
      const ends = await admin.fetchTopicOffsets(topics[p]);
      const [committed] = await admin.fetchOffsets({ groupId: `${prefix}-${p}`, topics: [topics[p]] });
      let n = 0;
      for (const e of ends) {
        const c = Number(committed?.partitions.find((x) => x.partition === e.partition)?.offset ?? '-1');
        n += Number(e.high) - Math.max(0, c);
      }
      out[p] = n;
    }
    return out;
  });
}
