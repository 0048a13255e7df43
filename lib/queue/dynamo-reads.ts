import type { Item, TableIO } from '../capacity/dynamo-io.js';
import { PRIORITIES } from '../contracts/request.js';
import type { Priority } from '../contracts/request.js';
import { SUMMARY_PROJECTION, decodeItem, namesOf } from './dynamo-codec.js';
import { rankOf } from './key.js';
import { ORDER_INDEX, UNTIL_INDEX } from './table.js';
import type { QueueItem, WaitingQuery } from './types.js';

/** A waiting() query reads at most this many items per shard and priority looking for model matches. */
const FILTER_SCAN_CAP = 500;

/** The strongly consistent reads of the queue: every shard queried in parallel, then merged. */
export class QueueReads {
  constructor(
    private readonly io: TableIO,
    private readonly shardKeys: readonly string[],
  ) {}

  async waiting(query: WaitingQuery): Promise<QueueItem[]> {
    if (query.limit <= 0) return [];
    if (query.model && query.model.tasks.length === 0) return [];
    if (query.merged) return this.waitingOf(undefined, query);
    const wanted = PRIORITIES.filter((p) => (query.priorities ?? PRIORITIES).includes(p));
    const lists = await Promise.all(wanted.map((p) => this.waitingOf(p, query)));
    return lists.flat();
  }

  /** One priority (or all, in order): the best `limit` of every shard (`by-order`), merged by `ord`. */
  private async waitingOf(priority: Priority | undefined, query: WaitingQuery): Promise<QueueItem[]> {
    const values: Record<string, unknown> = priority === undefined ? {} : { ':rank': `${rankOf(priority)}#` };
    const keyCondition = priority === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(#ord, :rank)';
    let filter: string | undefined;
    if (query.model) {
      const tasks = query.model.tasks.map((t, i) => {
        values[`:t${i}`] = t;
        return `:t${i}`;
      });
      values[':mid'] = query.model.id;
      filter = `#task IN (${tasks.join(', ')}) AND (attribute_not_exists(#model) OR #model = :mid)`;
    }
    const perShard = await Promise.all(
      this.shardKeys.map((pk) =>
        this.io.query(
          {
            IndexName: ORDER_INDEX,
            KeyConditionExpression: keyCondition,
            FilterExpression: filter,
            ProjectionExpression: SUMMARY_PROJECTION.expression,
            ExpressionAttributeNames: { ...SUMMARY_PROJECTION.names, ...namesOf(keyCondition, filter ?? '') },
            ExpressionAttributeValues: { ...values, ':pk': pk },
            ConsistentRead: true,
          },
          // Limit applies before the filter: page on until enough match, within a cap.
          { maxItems: query.limit, maxScanned: filter ? FILTER_SCAN_CAP : undefined },
        ),
      ),
    );
    return merged(perShard.flatMap((r) => r.items), (a, b) => (String(a['ord']) < String(b['ord']) ? -1 : 1), query.limit, true);
  }

  /** Waiting items of `rank` (1 or 2) first seen before `cut` and not promoted yet: at most `limit` per shard. */
  async unpromoted(rank: number, cut: number, limit: number): Promise<Item[]> {
    const perShard = await Promise.all(
      this.shardKeys.map((pk) =>
        this.io.query(
          {
            IndexName: ORDER_INDEX,
            KeyConditionExpression: 'pk = :pk AND begins_with(#ord, :rank)',
            // A key attribute (`ord`) cannot be filtered on: promoted ones are dropped below.
            FilterExpression: 'firstSeen < :cut',
            ExpressionAttributeNames: namesOf('#ord'),
            ExpressionAttributeValues: { ':pk': pk, ':rank': `${rank}#`, ':cut': cut },
            ConsistentRead: true,
          },
          { maxItems: limit, maxScanned: FILTER_SCAN_CAP },
        ),
      ),
    );
    return perShard.flatMap((r) => r.items).filter((item) => item['ord'] === item['okey']);
  }

  /** Running and completed items whose `until` has passed (`by-until`), oldest first. */
  async lapsed(now: number, limit: number): Promise<QueueItem[]> {
    if (limit <= 0) return [];
    const perShard = await Promise.all(
      this.shardKeys.map((pk) =>
        this.io.query(
          {
            IndexName: UNTIL_INDEX,
            KeyConditionExpression: 'pk = :pk AND #until < :now',
            ProjectionExpression: SUMMARY_PROJECTION.expression,
            ExpressionAttributeNames: { ...SUMMARY_PROJECTION.names, ...namesOf('#until') },
            ExpressionAttributeValues: { ':pk': pk, ':now': now },
            ConsistentRead: true,
          },
          { maxItems: limit },
        ),
      ),
    );
    return merged(perShard.flatMap((r) => r.items), (a, b) => Number(a['until']) - Number(b['until']), limit, true);
  }

  /** Waiting items per priority: COUNT queries of `by-order`, paged. */
  async depth(): Promise<Record<Priority, number>> {
    const counts: Record<Priority, number> = { high: 0, medium: 0, low: 0 };
    await Promise.all(
      PRIORITIES.flatMap((p) =>
        this.shardKeys.map(async (pk) => {
          const res = await this.io.query({
            IndexName: ORDER_INDEX,
            KeyConditionExpression: 'pk = :pk AND begins_with(#ord, :rank)',
            ExpressionAttributeNames: namesOf('#ord'),
            ExpressionAttributeValues: { ':pk': pk, ':rank': `${rankOf(p)}#` },
            ConsistentRead: true,
            Select: 'COUNT',
          });
          counts[p] += res.count;
        }),
      ),
    );
    return counts;
  }
}

function merged(items: Item[], order: (a: Item, b: Item) => number, limit: number, summary = false): QueueItem[] {
  return items.sort(order).slice(0, limit).map((item) => decodeItem(item, summary));
}
