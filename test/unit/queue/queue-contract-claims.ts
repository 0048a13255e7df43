import { expect, it } from 'vitest';
import type { ClaimOutcome, WorkQueue } from '../../../lib/queue/types.js';
import { T0, answer, entry, waitingItem } from './queue-fixtures.js';

const kinds = (outs: readonly ClaimOutcome[]): Record<string, number> =>
  outs.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.kind]: (acc[o.kind] ?? 0) + 1 }), {});

/** claim(): exclusive, lapsing, and what a claimer learns when it cannot claim. */
export function claimContract(q: () => WorkQueue): void {
  it('claims a waiting request for one owner; others see it busy until the claim lapses', async () => {
    const e = entry();
    await q().enqueue([e]);
    expect(await q().claim(e.key, 'a', 1_000, T0)).toEqual({ kind: 'claimed', item: { ...e, state: 'running', owner: 'a', until: T0 + 1_000 } });
    expect(await q().claim(e.key, 'b', 1_000, T0 + 500)).toEqual({ kind: 'busy', until: T0 + 1_000 });
    expect(await q().claim(e.key, 'a', 1_000, T0 + 500)).toEqual({ kind: 'busy', until: T0 + 1_000 });
    // Lapsed only strictly after `until`.
    expect(await q().claim(e.key, 'b', 1_000, T0 + 1_000)).toEqual({ kind: 'busy', until: T0 + 1_000 });
    expect(await q().get(e.key)).toEqual({ ...e, state: 'running', owner: 'a', until: T0 + 1_000 });
  });

  it('lets exactly one of 20 concurrent claimers win', async () => {
    const e = entry();
    await q().enqueue([e]);
    const outs = await Promise.all([...Array(20).keys()].map((i) => q().claim(e.key, `c${i}`, 10_000, T0)));
    expect(kinds(outs)).toEqual({ claimed: 1, busy: 19 });
    const winner = outs.find((o) => o.kind === 'claimed');
    expect((await q().get(e.key))?.owner).toBe(winner?.kind === 'claimed' ? winner.item.owner : 'none');
  });

  it('hands a lapsed claim to the next claimer, and the dead owner can no longer change it', async () => {
    const e = entry();
    await q().enqueue([e]);
    await q().claim(e.key, 'a', 1_000, T0);
    const outs = await Promise.all([...Array(10).keys()].map((i) => q().claim(e.key, `b${i}`, 1_000, T0 + 1_001)));
    expect(kinds(outs)).toEqual({ claimed: 1, busy: 9 });
    const winner = (await q().get(e.key))!.owner!;
    expect(winner).toMatch(/^b/);
    expect(await q().extend(e.key, 'a', 1_000, T0 + 1_002)).toBe(false);
    expect(await q().complete(e.key, 'a', answer(e.key), 1_000, T0 + 1_002)).toBe(false);
    expect(await q().requeue(e.key, 'a', { attempts: 1, countedAttempts: 1, failedModels: [], notBefore: 0 }, T0 + 1_002)).toBe(false);
    expect(await q().get(e.key)).toEqual({ ...e, state: 'running', owner: winner, until: T0 + 2_001 });
  });

  it('answers not_due for a request in backoff, and claims it once due', async () => {
    const e = entry({ notBefore: T0 + 5_000 });
    await q().enqueue([e]);
    expect(await q().claim(e.key, 'a', 1_000, T0)).toEqual({ kind: 'not_due', until: T0 + 5_000 });
    expect(await q().get(e.key)).toEqual(waitingItem(e));
    expect(await q().claim(e.key, 'a', 1_000, T0 + 5_000)).toMatchObject({ kind: 'claimed', item: { owner: 'a', until: T0 + 6_000 } });
  });

  it('is busy while the completer publishes, then hands the stored answer to one publisher', async () => {
    const e = entry();
    const result = answer(e.key);
    await q().enqueue([e]);
    await q().claim(e.key, 'a', 1_000, T0);
    await q().complete(e.key, 'a', result, 2_000, T0 + 100);
    expect(await q().claim(e.key, 'b', 1_000, T0 + 2_100)).toEqual({ kind: 'busy', until: T0 + 2_100 });
    const outs = await Promise.all([...Array(10).keys()].map((i) => q().claim(e.key, `p${i}`, 1_000, T0 + 2_101)));
    expect(kinds(outs)).toEqual({ publish: 1, busy: 9 });
    const taken = outs.find((o) => o.kind === 'publish');
    expect(taken).toEqual({ kind: 'publish', item: { ...e, state: 'completed', owner: expect.stringMatching(/^p/) as string, until: T0 + 3_101, result } });
    // The slow completer lost it: its mark changes nothing; the new owner's does.
    await q().markPublished(e.key, 'a', T0 + 2_102);
    expect((await q().get(e.key))?.state).toBe('completed');
    await q().markPublished(e.key, taken?.kind === 'publish' ? taken.item.owner! : '', T0 + 2_103);
    const published = await q().get(e.key);
    expect(published).toMatchObject({ state: 'published', result });
    expect(await q().claim(e.key, 'z', 1_000, T0 + 9_999)).toEqual({ kind: 'published', item: published });
  });

  it('lists lapsed claims and publish graces, oldest first, at most `limit`', async () => {
    const [w, r1, r2, c, live, pub] = [...Array(6).keys()].map(() => entry());
    await q().enqueue([w!, r1!, r2!, c!, live!, pub!]);
    await q().claim(r1!.key, 'a', 300, T0);
    await q().claim(r2!.key, 'a', 200, T0);
    await q().claim(c!.key, 'a', 100, T0);
    await q().complete(c!.key, 'a', answer(c!.key), 400, T0);
    await q().claim(live!.key, 'a', 5_000, T0);
    await q().claim(pub!.key, 'a', 100, T0);
    await q().complete(pub!.key, 'a', answer(pub!.key), 100, T0);
    await q().markPublished(pub!.key, 'a', T0);
    // Summaries: everything but the payloads (a claim returns the whole item).
    const { request: _r, record: _c, ...scalars } = r2!;
    expect(await q().lapsed(T0 + 300, 10)).toEqual([{ ...scalars, request: {}, record: expect.objectContaining({ valueBase64: '' }) as unknown, state: 'running', owner: 'a', until: T0 + 200 }]);
    const all = await q().lapsed(T0 + 1_000, 10);
    expect(all.map((i) => i.key)).toEqual([r2!.key, r1!.key, c!.key]);
    expect(all[2]).toMatchObject({ state: 'completed' });
    expect(all[2]?.result).toBeUndefined();
    expect(await q().lapsed(T0 + 1_000, 2)).toHaveLength(2);
    expect(await q().lapsed(T0, 10)).toEqual([]);
  });
}
