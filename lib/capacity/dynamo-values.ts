// Plain values ↔ DynamoDB's typed JSON for the access layer (`dynamo-io.ts`), as the SDK's document client converts them.
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { WireBody, WireItem } from './dynamo-wire.js';

const MARSHALL = { removeUndefinedValues: true } as const;
/** Input fields that hold plain values to be written as typed attribute values. */
const VALUE_FIELDS = ['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey'] as const;

/** A document-style input (plain values) in DynamoDB's typed JSON. */
export function toWire(input: Record<string, unknown>): WireBody {
  const out: WireBody = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    out[k] = (VALUE_FIELDS as readonly string[]).includes(k) ? marshall(v as Record<string, unknown>, MARSHALL) : v;
  }
  return out;
}

/** A typed item from DynamoDB as plain values (undefined when absent). */
export const fromWire = (item: unknown): Record<string, unknown> | undefined => (item ? unmarshall(item as WireItem) : undefined);

/** The items of a Scan or Query page, as plain values. */
export const itemsOf = (out: WireBody): Record<string, unknown>[] => ((out['Items'] as WireItem[] | undefined) ?? []).map((raw) => unmarshall(raw));
