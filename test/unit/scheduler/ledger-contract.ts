import { beforeEach, describe, expect, it } from 'vitest';
import { AgentRequestSchema } from '../../../lib/contracts/request.js';
import { completedResult } from '../../../lib/contracts/results.js';
import type { AgentResult } from '../../../lib/contracts/result.js';
import { PUBLISH_GRACE_MS } from '../../../lib/scheduler/ledger.js';
import type { RequestKey, RequestLedger } from '../../../lib/scheduler/ledger.js';

/** A clock the test moves by hand. */
export class ManualClock {
  t = 1_800_000_000_000;
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface LedgerFactory {
  /** A fresh, empty ledger reading time from `now`. */
  make(now: () => number): Promise<RequestLedger>;
}

let n = 0;
function key(): RequestKey {
  n += 1;
  return { id: `task-${n}`, correlationId: `corr-${n}-${Math.random().toString(36).slice(2)}` };
}

function answer(k: RequestKey, content = 'the answer'): AgentResult {
  return completedResult(
    AgentRequestSchema.parse({ id: k.id, task_type: 'text_generation', priority: 'high', content: 'q', token_count: 1, correlation_id: k.correlationId }),
    { modelId: 'm', content, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }, queuedMs: 0, llmMs: 5, attempts: 1 },
  );
}

/**
 * What every request ledger must do (in memory, and on DynamoDB): one owner at a time, a dead
 * owner's claim lapses, the first completer wins, the completer has a grace to publish before
 * anyone else may, and `abandon` gives up exactly what the owner holds.
 */
export function requestLedgerContract(name: string, factory: () => Promise<LedgerFactory>): void {
  describe(`${name}: request ledger contract`, () => {
    let clock: ManualClock;
    let ledger: RequestLedger;
    beforeEach(async () => {
      clock = new ManualClock();
      ledger = await (await factory()).make(clock.now);
    });

    it('lets one owner claim; others see it busy until the claim lapses, then may claim it', async () => {
      const k = key();
      expect(await ledger.peek(k)).toEqual({ kind: 'absent' });
      expect(await ledger.claim(k, 'a', 1_000)).toEqual({ kind: 'claimed' });
      expect(await ledger.claim(k, 'b', 1_000)).toEqual({ kind: 'busy', until: clock.t + 1_000 });
      // The owner's own retried write succeeds.
      expect(await ledger.claim(k, 'a', 1_000)).toEqual({ kind: 'claimed' });
      clock.advance(1_001);
      expect(await ledger.peek(k)).toEqual({ kind: 'absent' });
      expect(await ledger.claim(k, 'b', 1_000)).toEqual({ kind: 'claimed' });
    });

    it("extends only its owner's unanswered claim", async () => {
      const k = key();
      await ledger.claim(k, 'a', 1_000);
      clock.advance(900);
      expect(await ledger.extend(k, 'a', 1_000)).toBe(true);
      clock.advance(900);
      expect(await ledger.claim(k, 'b', 1_000)).toEqual({ kind: 'busy', until: clock.t + 100 });
      expect(await ledger.extend(k, 'b', 1_000)).toBe(false);
      clock.advance(101);
      // Lapsed: another takes it, and the old owner's heartbeat no longer holds it.
      expect(await ledger.claim(k, 'b', 1_000)).toEqual({ kind: 'claimed' });
      expect(await ledger.extend(k, 'a', 1_000)).toBe(false);
      await ledger.complete(k, answer(k), 'b');
      expect(await ledger.extend(k, 'b', 1_000)).toBe(false);
    });

    it('lets the first completer win', async () => {
      const k = key();
      await ledger.claim(k, 'a', 1_000);
      expect(await ledger.complete(k, answer(k, 'first'), 'a')).toBe(true);
      expect(await ledger.complete(k, answer(k, 'second'), 'b')).toBe(false);
      await ledger.markPublished(k);
      const seen = await ledger.peek(k);
      expect(seen).toMatchObject({ kind: 'done', published: true });
    });

    it('gives the completer a grace to publish: others see busy, then the stored answer to publish', async () => {
      const k = key();
      await ledger.claim(k, 'a', 1_000);
      await ledger.complete(k, answer(k), 'a');
      expect(await ledger.peek(k)).toEqual({ kind: 'busy', until: clock.t + PUBLISH_GRACE_MS });
      expect(await ledger.claim(k, 'b', 1_000)).toEqual({ kind: 'busy', until: clock.t + PUBLISH_GRACE_MS });
      clock.advance(PUBLISH_GRACE_MS + 1);
      // The completer died before marking it: the stored answer is handed to whoever looks.
      const late = await ledger.claim(k, 'b', 1_000);
      expect(late).toMatchObject({ kind: 'done', published: false, result: { content: 'the answer', correlation_id: k.correlationId } });
      await ledger.markPublished(k);
      expect(await ledger.peek(k)).toMatchObject({ kind: 'done', published: true });
    });

    it("abandon deletes the owner's unanswered claim, and ends the owner's publish grace", async () => {
      const k = key();
      await ledger.claim(k, 'a', 60_000);
      await ledger.abandon(k, 'b');
      expect(await ledger.peek(k)).toMatchObject({ kind: 'busy' });
      await ledger.abandon(k, 'a');
      expect(await ledger.peek(k)).toEqual({ kind: 'absent' });

      const stored = key();
      await ledger.claim(stored, 'a', 60_000);
      await ledger.complete(stored, answer(stored), 'a');
      await ledger.abandon(stored, 'b');
      expect(await ledger.peek(stored)).toMatchObject({ kind: 'busy' });
      await ledger.abandon(stored, 'a');
      expect(await ledger.peek(stored)).toMatchObject({ kind: 'done', published: false, result: { content: 'the answer' } });
      // Abandoning a published answer changes nothing.
      await ledger.markPublished(stored);
      await ledger.abandon(stored, 'a');
      expect(await ledger.peek(stored)).toMatchObject({ kind: 'done', published: true });
    });

    it("reads many keys at once, in the keys' order", async () => {
      const [a, b, c] = [key(), key(), key()];
      await ledger.claim(a, 'x', 1_000);
      await ledger.claim(c, 'x', 1_000);
      await ledger.complete(c, answer(c), 'x');
      await ledger.markPublished(c);
      const out = await ledger.peekMany([b, a, c, b]);
      expect(out.map((o) => o.kind)).toEqual(['absent', 'busy', 'done', 'absent']);
    });
  });
}
