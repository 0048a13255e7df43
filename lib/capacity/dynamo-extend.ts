import type { TableIO } from './dynamo-io.js';
import { extendManyUpdate, extendUpdate } from './dynamo-expressions.js';
import { leaseKey, shardKey } from './items.js';
import type { Lease } from './types.js';

/** Pushes one lease out to `expiresAt`; false when it is gone (reaped or released). */
export async function extendLease(io: TableIO, expiresAt: number, lease: Lease): Promise<boolean> {
  const res = await io.update(extendUpdate(shardKey(lease.modelId, lease.shard), leaseKey(lease.leaseId), expiresAt));
  if (res.ok) lease.expiresAt = expiresAt;
  return res.ok;
}

/**
 * Pushes several leases out to `expiresAt`: one write per capacity item for its leases, refused
 * unless all of them are still there — then each on its own, to tell which are gone.
 */
export async function extendLeases(io: TableIO, expiresAt: number, leases: readonly Lease[]): Promise<boolean[]> {
  const byItem = new Map<string, Lease[]>();
  for (const l of leases) {
    const pk = shardKey(l.modelId, l.shard);
    const group = byItem.get(pk);
    if (group) group.push(l);
    else byItem.set(pk, [l]);
  }
  const held = new Map<Lease, boolean>();
  await Promise.all(
    [...byItem].map(async ([pk, group]) => {
      if (group.length > 1) {
        const res = await io.update(extendManyUpdate(pk, group.map((l) => leaseKey(l.leaseId)), expiresAt));
        if (res.ok) {
          for (const l of group) {
            l.expiresAt = expiresAt;
            held.set(l, true);
          }
          return;
        }
      }
      await Promise.all(group.map(async (l) => held.set(l, await extendLease(io, expiresAt, l))));
    }),
  );
  return leases.map((l) => held.get(l) ?? false);
}
