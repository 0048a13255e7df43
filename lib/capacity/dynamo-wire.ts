import {
  BatchExecuteStatementCommand, BatchGetItemCommand, DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The DynamoDB operations the stores use (the JSON protocol's `X-Amz-Target` suffixes). */
export type DynamoOp = 'UpdateItem' | 'PutItem' | 'DeleteItem' | 'GetItem' | 'BatchGetItem' | 'BatchExecuteStatement' | 'Scan' | 'Query';

/** An operation's input or output in DynamoDB's own JSON shape (attribute values typed: `{S: ...}`). */
export type WireBody = Record<string, unknown>;

/** An item in DynamoDB's typed JSON. */
export type WireItem = Record<string, AttributeValue>;

/**
 * Sees an operation once it settled: `failure` is the error's name when it failed (e.g.
 * `ConditionalCheckFailedException`), `output` what it returned when it did not (a batch's
 * per-statement errors are in its output).
 */
export type WireListener = (op: DynamoOp, input: WireBody, failure?: string, output?: WireBody) => void;

/** Runs one operation and tells `listeners` how it ended. */
export async function observed(listeners: readonly WireListener[], op: DynamoOp, input: WireBody, run: () => Promise<WireBody>): Promise<WireBody> {
  if (listeners.length === 0) return run();
  try {
    const out = await run();
    for (const l of listeners) l(op, input, undefined, out);
    return out;
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    for (const l of listeners) l(op, input, name);
    throw err;
  }
}

/**
 * How `TableIO` reaches DynamoDB: one low-level operation in, its output out. Failures throw an
 * `Error` whose `name` is DynamoDB's exception name (e.g. `ConditionalCheckFailedException`, with
 * `Item` when the server returned the old item) — the same names the AWS SDK uses.
 */
export interface DynamoWire {
  call(op: DynamoOp, input: WireBody): Promise<WireBody>;
  /** Sees every operation issued, with its input and how it ended (benchmarks count them by `<Op>Command`). */
  observe(listener: WireListener): void;
  close(): void;
}

const COMMANDS = {
  UpdateItem: UpdateItemCommand,
  PutItem: PutItemCommand,
  DeleteItem: DeleteItemCommand,
  GetItem: GetItemCommand,
  BatchGetItem: BatchGetItemCommand,
  BatchExecuteStatement: BatchExecuteStatementCommand,
  Scan: ScanCommand,
  Query: QueryCommand,
} as const;

type AnyCommandInput = ConstructorParameters<(typeof COMMANDS)[DynamoOp]>[0];

/** The AWS SDK v3 client as a wire (`dynamodb.client: sdk`, or any client built elsewhere). */
export class SdkDynamoWire implements DynamoWire {
  private readonly listeners: WireListener[] = [];

  constructor(private readonly client: DynamoDBClient) {}

  call(op: DynamoOp, input: WireBody): Promise<WireBody> {
    const Command = COMMANDS[op] as new (input: AnyCommandInput) => UpdateItemCommand;
    return observed(this.listeners, op, input, async () => (await this.client.send(new Command(input as unknown as AnyCommandInput))) as unknown as WireBody);
  }

  observe(listener: WireListener): void {
    this.listeners.push(listener);
  }

  close(): void {
    // The client is its owner's to destroy.
  }
}

const wires = new WeakMap<DynamoDBClient, DynamoWire>();

/** Makes `wire` the way stores built on `client` reach the table (see `createDynamoClient`). */
export function attachWire(client: DynamoDBClient, wire: DynamoWire): void {
  wires.set(client, wire);
}

/** The wire stores use for `client`: the one attached to it, else the SDK client itself. */
export function wireFor(client: DynamoDBClient): DynamoWire {
  let wire = wires.get(client);
  if (!wire) {
    wire = new SdkDynamoWire(client);
    wires.set(client, wire);
  }
  return wire;
}
