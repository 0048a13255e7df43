import type { Item } from '../capacity/dynamo-io.js';
import type { WriteStatement } from '../capacity/dynamo-statements.js';
import type { ItemKey } from './dynamo-codec.js';

// The queue's batched writes as PartiQL statements (lib/queue/README.md, "The writes"): the same
// conditions as the single-item writes they stand for. Identifiers are double-quoted (`state`,
// `owner`, `until`, `ttl` are reserved words); every value is a `?` parameter.

const keyString = (key: ItemKey): string => `${key.pk}\u0000${key.sk}`;

/** A new item, refused (`duplicate`) when its key is taken: PutItem with `attribute_not_exists(pk)`. */
export function insertStatement(table: string, item: Item): WriteStatement {
  const names = Object.keys(item).filter((n) => item[n] !== undefined);
  return {
    statement: `INSERT INTO "${table}" VALUE {${names.map((n) => `'${n}': ?`).join(', ')}}`,
    parameters: names.map((n) => item[n]),
    key: keyString({ pk: String(item['pk']), sk: String(item['sk']) }),
  };
}

/** completed & `owner` → published, kept until `ttl` (epoch s); the request and the record's value go. */
export function markPublishedStatement(table: string, key: ItemKey, owner: string, ttl: number): WriteStatement {
  return {
    statement: `UPDATE "${table}" SET "state" = ? SET "ttl" = ? REMOVE "until" REMOVE "owner" REMOVE "req" REMOVE "val" WHERE "pk" = ? AND "sk" = ? AND "state" = ? AND "owner" = ?`,
    parameters: ['published', ttl, key.pk, key.sk, 'completed', owner],
    key: keyString(key),
  };
}

/** running or completed & `owner` → `until` pushed out (epoch ms): a claim or publish grace renewed. */
export function extendStatement(table: string, key: ItemKey, owner: string, until: number): WriteStatement {
  return {
    statement: `UPDATE "${table}" SET "until" = ? WHERE "pk" = ? AND "sk" = ? AND ("state" = ? OR "state" = ?) AND "owner" = ?`,
    parameters: [until, key.pk, key.sk, 'running', 'completed', owner],
    key: keyString(key),
  };
}
