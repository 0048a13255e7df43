import type { TableIO } from '../capacity/dynamo-io.js';
import { MAX_STATEMENTS, StatementsUnsupportedError } from '../capacity/dynamo-statements.js';
import type { StatementOutcome, WriteStatement } from '../capacity/dynamo-statements.js';

interface Pending {
  statement: WriteStatement;
  resolve(outcome: StatementOutcome): void;
  reject(err: unknown): void;
}

/**
 * Gathers the queue's conditional writes issued in one turn of the event loop — the registrations
 * of a Kafka batch, the publish marks of one produce request's answers — and sends them as
 * `BatchExecuteStatement` calls of up to 25 statements: one HTTP request (one signature, one
 * socket write) for many items. Profiled under load, the per-call cost of DynamoDB requests was
 * most of the scheduler's CPU (lib/queue/README.md, "The writes"). Nothing waits for a batch to
 * fill: what is pending goes out on the next `setImmediate`, so a lone write is delayed by no
 * more than the callbacks already due.
 *
 * Statements on one item stay in order: the second goes out in a later round, after the first
 * answered (DynamoDB refuses a batch naming an item twice). An endpoint without PartiQL
 * (dynalite) is remembered: `supported` turns false and every pending write is refused with
 * `StatementsUnsupportedError`, for its caller to write it item by item.
 */
export class WriteBatcher {
  private pending: Pending[] = [];
  private scheduled = false;
  private unsupported = false;

  constructor(private readonly io: TableIO) {}

  /** False once the endpoint turned out to have no PartiQL. */
  get supported(): boolean {
    return !this.unsupported;
  }

  /** `statement` batched with this turn's other writes; `single` where the endpoint has no PartiQL. */
  async write(statement: WriteStatement, single: () => Promise<StatementOutcome>): Promise<StatementOutcome> {
    if (!this.unsupported) {
      try {
        return await this.run(statement);
      } catch (err) {
        if (!(err instanceof StatementsUnsupportedError)) throw err;
      }
    }
    return single();
  }

  run(statement: WriteStatement): Promise<StatementOutcome> {
    if (this.unsupported) return Promise.reject(new StatementsUnsupportedError('this DynamoDB endpoint has no BatchExecuteStatement'));
    return new Promise<StatementOutcome>((resolve, reject) => {
      this.pending.push({ statement, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const all = this.pending;
    this.pending = [];
    this.scheduled = false;
    for (const round of rounds(all)) {
      const chunks: Pending[][] = [];
      for (let i = 0; i < round.length; i += MAX_STATEMENTS) chunks.push(round.slice(i, i + MAX_STATEMENTS));
      await Promise.all(chunks.map((chunk) => this.send(chunk)));
    }
  }

  private async send(chunk: Pending[]): Promise<void> {
    try {
      const outcomes = await this.io.writeStatements(chunk.map((p) => p.statement));
      chunk.forEach((p, i) => {
        const o = outcomes[i]!;
        if (o instanceof Error) p.reject(o);
        else p.resolve(o);
      });
    } catch (err) {
      if (err instanceof StatementsUnsupportedError) this.unsupported = true;
      for (const p of chunk) p.reject(err);
    }
  }
}

/** Round k holds every item's k-th statement: no round names an item twice. */
function rounds(all: readonly Pending[]): Pending[][] {
  const out: Pending[][] = [];
  const seen = new Map<string, number>();
  for (const p of all) {
    const k = seen.get(p.statement.key) ?? 0;
    seen.set(p.statement.key, k + 1);
    (out[k] ??= []).push(p);
  }
  return out;
}
