import { describe, expect, it } from 'vitest';
import { MAX_STATEMENTS, StatementsUnsupportedError, executeStatements } from '../../../lib/capacity/dynamo-statements.js';
import type { WriteStatement } from '../../../lib/capacity/dynamo-statements.js';
import type { DynamoOp, DynamoWire, WireBody } from '../../../lib/capacity/dynamo-wire.js';
import { InfrastructureError } from '../../../lib/errors/index.js';

/** A wire answering each BatchExecuteStatement call with the next scripted per-statement codes. */
class ScriptedWire implements DynamoWire {
  readonly calls: WireBody[] = [];
  constructor(private readonly script: ((statements: { Statement: string }[]) => (string | undefined)[] | Error)[]) {}
  call(op: DynamoOp, input: WireBody): Promise<WireBody> {
    expect(op).toBe('BatchExecuteStatement');
    this.calls.push(input);
    const statements = input['Statements'] as { Statement: string }[];
    const next = this.script[this.calls.length - 1]!(statements);
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve({ Responses: next.map((code) => (code ? { Error: { Code: code, Message: `${code}!` } } : {})) });
  }
  observe(): void {}
  close(): void {}
}

const st = (name: string, ...parameters: unknown[]): WriteStatement => ({ statement: `UPDATE "t" SET a = ? WHERE pk = '${name}'`, parameters, key: name });

describe('executeStatements', () => {
  it('maps each statement’s result in order and sends typed parameters', async () => {
    const wire = new ScriptedWire([() => [undefined, 'DuplicateItem', 'ConditionalCheckFailed']]);
    const out = await executeStatements(wire, [st('a', 'x', 1), st('b', new Uint8Array([1])), st('c', ['m'], { k: true })]);
    expect(out).toEqual(['ok', 'duplicate', 'refused']);
    expect(wire.calls[0]!['Statements']).toEqual([
      { Statement: `UPDATE "t" SET a = ? WHERE pk = 'a'`, Parameters: [{ S: 'x' }, { N: '1' }] },
      { Statement: `UPDATE "t" SET a = ? WHERE pk = 'b'`, Parameters: [{ B: new Uint8Array([1]) }] },
      { Statement: `UPDATE "t" SET a = ? WHERE pk = 'c'`, Parameters: [{ L: [{ S: 'm' }] }, { M: { k: { BOOL: true } } }] },
    ]);
  });

  it('sends again only the statements that failed transiently', async () => {
    const wire = new ScriptedWire([() => [undefined, 'ThrottlingError', 'ConditionalCheckFailed', 'InternalServerError'], () => [undefined, 'DuplicateItem']]);
    const out = await executeStatements(wire, [st('a'), st('b'), st('c'), st('d')]);
    expect(out).toEqual(['ok', 'ok', 'refused', 'duplicate']);
    expect((wire.calls[1]!['Statements'] as { Statement: string }[]).map((s) => s.Statement)).toEqual([st('b').statement, st('d').statement]);
  });

  it('gives a statement that keeps failing, or fails for good, an InfrastructureError in its place', async () => {
    const throttled = () => ['ProvisionedThroughputExceeded', 'ValidationError'];
    const wire = new ScriptedWire([throttled, () => ['ProvisionedThroughputExceeded'], () => ['ProvisionedThroughputExceeded'], () => ['ProvisionedThroughputExceeded'], () => ['ProvisionedThroughputExceeded']]);
    const out = await executeStatements(wire, [st('a'), st('b')]);
    expect(wire.calls).toHaveLength(5);
    expect(out[0]).toBeInstanceOf(InfrastructureError);
    expect((out[0] as Error).message).toContain('ProvisionedThroughputExceeded');
    expect(out[1]).toBeInstanceOf(InfrastructureError);
    expect((out[1] as Error).message).toContain('ValidationError');
  });

  it('says when the endpoint has no PartiQL, and passes other failures on', async () => {
    const unknown = Object.assign(new Error('UnknownError'), { name: 'UnknownOperationException' });
    await expect(executeStatements(new ScriptedWire([() => unknown]), [st('a')])).rejects.toBeInstanceOf(StatementsUnsupportedError);
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(executeStatements(new ScriptedWire([() => down]), [st('a')])).rejects.toBe(down);
  });

  it('fails the whole batch when the answer does not hold one response per statement', async () => {
    const short = new ScriptedWire([() => [undefined]]);
    await expect(executeStatements(short, [st('a'), st('b')])).rejects.toBeInstanceOf(InfrastructureError);
  });

  it('refuses more statements than one call may carry', async () => {
    const many = Array.from({ length: MAX_STATEMENTS + 1 }, (_, i) => st(String(i)));
    await expect(executeStatements(new ScriptedWire([]), many)).rejects.toBeInstanceOf(RangeError);
  });
});
