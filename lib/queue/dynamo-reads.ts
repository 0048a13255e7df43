import type { Item, TableIO } from '../capacity/dynamo-io.js';
import { PRIORITIES } from '../contracts/request.js';
import type { Priority } from '../contracts/request.js';
import { SUMMARY_PROJECTION, decodeItem, namesOf } from './dynamo-codec.js';
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

  /**
   * One priority (or all, in order): the best `limit` of every shard (`by-order`), merged by `ord`.
   * The order interleaves priorities (aging), so one priority's reads filter on `prio`.
   */
  private async waitingOf(priority: Priority | undefined, query: WaitingQuery): Promise<QueueItem[]> {
    const values: Record<string, unknown> = {};
    const keyCondition = 'pk = :pk';
    const filters: string[] = [];
    if (priority !== undefined) {
      values[':prio'] = priority;
      filters.push('#prio = :prio');
    }
    if (query.model) {
      const tasks = query.model.tasks.map((t, i) => {
        values[`:t${i}`] = t;
        return `:t${i}`;
      });
      values[':mid'] = query.model.id;
      filters.push(`#task IN (${tasks.join(', ')}) AND (attribute_not_exists(#model) OR #model = :mid)`);
    }
    const filter = filters.length > 0 ? filters.join(' AND ') : undefined;
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

  /** Waiting items per priority: COUNT queries of `by-order` filtered on `prio`, paged. */
  async depth(): Promise<Record<Priority, number>> {
    const counts: Record<Priority, number> = { high: 0, medium: 0, low: 0 };
    await Promise.all(
      PRIORITIES.flatMap((p) =>
        this.shardKeys.map(async (pk) => {
          const res = await this.io.query({
            IndexName: ORDER_INDEX,
            KeyConditionExpression: 'pk = :pk',
            FilterExpression: '#prio = :prio',
            ExpressionAttributeNames: namesOf('#prio'),
            ExpressionAttributeValues: { ':pk': pk, ':prio': p },
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
