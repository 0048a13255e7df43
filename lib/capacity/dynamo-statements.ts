import { convertToAttr } from '@aws-sdk/util-dynamodb';
import { InfrastructureError } from '../errors/index.js';
import type { DynamoWire, WireBody } from './dynamo-wire.js';

/**
 * Batched single-item writes with conditions: PartiQL `INSERT` (refused when the key exists) and
 * `UPDATE … WHERE <key> AND <condition>` statements, up to 25 in one `BatchExecuteStatement` call.
 * Each statement succeeds or fails on its own; DynamoDB bills each as the single-item write it is.
 * BatchWriteItem cannot do this: it takes no conditions. See
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.multiplestatements.batching.html
 */
export interface WriteStatement {
  /** PartiQL with `?` placeholders. */
  statement: string;
  /** Plain values (converted as the document client converts them), one per `?`. */
  parameters: readonly unknown[];
  /** The item's key as one string: two statements on one item never share a batch (DynamoDB refuses it). */
  key: string;
}

/** `ok`; `duplicate`: an INSERT found its key taken; `refused`: an UPDATE's condition did not hold (or no such item). */
export type StatementOutcome = 'ok' | 'duplicate' | 'refused';

/** Statements per `BatchExecuteStatement` call (DynamoDB's limit). */
export const MAX_STATEMENTS = 25;

/** The endpoint has no PartiQL (dynalite): callers write item by item instead. */
export class StatementsUnsupportedError extends Error {
  override readonly name = 'StatementsUnsupportedError';
}

/** Per-statement error codes worth another round (throttling and transient ones). */
const RETRYABLE = new Set(['ProvisionedThroughputExceeded', 'ThrottlingError', 'RequestLimitExceeded', 'InternalServerError', 'TransactionConflict']);
const ROUNDS = 5;

interface StatementResponse {
  Error?: { Code?: string; Message?: string };
}

/**
 * Runs up to {@link MAX_STATEMENTS} write statements on distinct items in one call, retrying the
 * statements that failed transiently (jittered backoff, {@link ROUNDS} rounds). Outcomes in the
 * statements' order; a statement that failed for good is an `InfrastructureError` in its place.
 * Throws {@link StatementsUnsupportedError} when the endpoint does not know the operation, and
 * whatever the wire throws when the call itself fails.
 */
export async function executeStatements(wire: DynamoWire, statements: readonly WriteStatement[]): Promise<(StatementOutcome | InfrastructureError)[]> {
  if (statements.length > MAX_STATEMENTS) throw new RangeError(`at most ${MAX_STATEMENTS} statements per batch, got ${statements.length}`);
  const out: (StatementOutcome | InfrastructureError | undefined)[] = statements.map(() => undefined);
  let todo = statements.map((_, i) => i);
  for (let round = 1; todo.length > 0; round++) {
    const responses = await send(wire, todo.map((i) => statements[i]!));
    const again: number[] = [];
    todo.forEach((i, n) => {
      const code = responses[n]?.Error?.Code;
      if (code === undefined) out[i] = 'ok';
      else if (code === 'DuplicateItem') out[i] = 'duplicate';
      else if (code === 'ConditionalCheckFailed') out[i] = 'refused';
      else if (RETRYABLE.has(code) && round < ROUNDS) again.push(i);
      else out[i] = new InfrastructureError(`batched write failed (${code}): ${responses[n]?.Error?.Message ?? code}`);
    });
    todo = again;
    if (todo.length > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(1_000, 25 * 2 ** round)));
  }
  return out as (StatementOutcome | InfrastructureError)[];
}

async function send(wire: DynamoWire, statements: readonly WriteStatement[]): Promise<StatementResponse[]> {
  let out: WireBody;
  try {
    out = await wire.call('BatchExecuteStatement', {
      Statements: statements.map((s) => ({ Statement: s.statement, Parameters: s.parameters.map((v) => convertToAttr(v, { removeUndefinedValues: true })) })),
    });
  } catch (err) {
    if (err instanceof Error && err.name === 'UnknownOperationException') throw new StatementsUnsupportedError('this DynamoDB endpoint has no BatchExecuteStatement', { cause: err });
    throw err;
  }
  const responses = out['Responses'];
  // Each statement's outcome is its response: without one per statement none can be trusted.
  if (!Array.isArray(responses) || responses.length !== statements.length) {
    throw new InfrastructureError(`BatchExecuteStatement answered ${Array.isArray(responses) ? responses.length : 'no'} responses for ${statements.length} statements`);
  }
  return responses as StatementResponse[];
}
