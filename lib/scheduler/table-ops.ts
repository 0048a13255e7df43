import type { DynamoOp, WireListener } from '../capacity/dynamo-wire.js';
import type { Config } from '../config/schema.js';

/** The key of the items written (a batch of n statements is one call but n item writes). */
export const ITEMS_WRITTEN = 'items.written';

/** Statements of a batch name their table first: `INSERT INTO "t"`, `UPDATE "t"`. */
const STATEMENT_TABLE = /^(?:INSERT INTO|UPDATE|DELETE FROM)\s+"([^"]+)"/;

/**
 * Counts DynamoDB calls by command (`UpdateItemCommand`) and by table (`queue.UpdateItemCommand`);
 * refused conditional writes also by table (`queue.UpdateItemCommand.refused`: lost races, stale
 * reads; for a batch, its refused statements); and the items written ({@link ITEMS_WRITTEN}: a
 * batch of n statements is one call but n item writes). The bench's `dev --stats-port` reports them.
 */
export function tableOpsCounter(config: Config, tableOps: Map<string, number>): WireListener {
  const tableKind = (name: unknown): string => (name === config.capacity.table ? 'capacity' : name === config.capacity.queue_table ? 'queue' : 'other');
  const add = (name: string, n = 1): void => void tableOps.set(name, (tableOps.get(name) ?? 0) + n);
  return (op, input, failure, output) => {
    const statements = op === 'BatchExecuteStatement' ? ((input['Statements'] as { Statement: string }[] | undefined) ?? []) : undefined;
    const tableName = statements ? STATEMENT_TABLE.exec(statements[0]?.Statement ?? '')?.[1] : input['TableName'];
    const table = `${tableKind(tableName)}.${op}Command`;
    add(`${op}Command`);
    add(table);
    const refused = statements
      ? ((output?.['Responses'] as { Error?: { Code?: string } }[] | undefined) ?? []).filter((r) => r.Error?.Code === 'ConditionalCheckFailed' || r.Error?.Code === 'DuplicateItem').length
      : failure === 'ConditionalCheckFailedException' ? 1 : 0;
    if (refused > 0) add(`${table}.refused`, refused);
    if (statements) add(ITEMS_WRITTEN, statements.length);
    else if (WRITE_OPS.has(op)) add(ITEMS_WRITTEN);
  };
}

/** Single-item write operations (each writes one item). */
const WRITE_OPS: ReadonlySet<DynamoOp> = new Set(['UpdateItem', 'PutItem', 'DeleteItem']);
