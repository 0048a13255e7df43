import type { TableIO } from './dynamo-io.js';
import { reapUpdate } from './dynamo-expressions.js';
import { decodeShard } from './items.js';
import type { ReapResult } from './types.js';

/** Reclaim writes in flight at once: enough to drain a crashed fleet quickly, gentle on one item. */
const PARALLEL_WRITES = 8;

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/**
 * Reclaims every lease whose expiry is before `now`: one scan, then for each expired lease one
 * conditional write that removes it and decrements `inFlight` only if the lease still has the
 * expiry and nonce just read. So a lease released, extended or reaped by someone else in between
 * is left alone, and any number of reapers racing each other and the holders free each slot once.
 */
export async function reapTable(io: TableIO, now: number): Promise<ReapResult> {
  const items = await io.scan();
  const models = new Set<string>();
  const expired: { pk: string; key: string; entry: { e: number; p: string; t: number; r: number } }[] = [];
  for (const item of items) {
    const shard = decodeShard(item);
    if (!shard) continue;
    models.add(shard.modelId);
    for (const [key, entry] of Object.entries(shard.leases)) {
      if (entry.e < now) expired.push({ pk: String(item['pk']), key, entry });
    }
  }
  let reclaimed = 0;
  await inBatches(expired, PARALLEL_WRITES, async ({ pk, key, entry }) => {
    if ((await io.update(reapUpdate(pk, key, entry))).ok) reclaimed += 1;
  });
  return { reclaimed, models: models.size };
}
