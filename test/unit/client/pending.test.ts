import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RequestAbortedError, RequestTimeoutError } from '../../../lib/client/errors.js';
import { PendingReplies } from '../../../lib/client/pending.js';
import type { AgentResult } from '../../../lib/contracts/result.js';

function reply(correlationId: string): AgentResult {
  return { id: correlationId, task_type: 'text_generation', priority: 'medium', correlation_id: correlationId, model_id: 'm', status: 'completed', content: 'ok', token_count: 1 };
}

describe('PendingReplies', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves the waiting request with its own reply and clears its timer', async () => {
    const pending = new PendingReplies();
    const a = pending.wait('a', { timeoutMs: 1_000 });
    const b = pending.wait('b', { timeoutMs: 1_000 });
    expect(pending.settle(reply('b'))).toBe('resolved');
    expect(pending.settle(reply('a'))).toBe('resolved');
    await expect(a).resolves.toMatchObject({ correlation_id: 'a' });
    await expect(b).resolves.toMatchObject({ correlation_id: 'b' });
    expect(vi.getTimerCount()).toBe(0);
    expect(pending.size).toBe(0);
  });

  it('rejects with RequestTimeoutError at the timeout and calls a later reply late', async () => {
    const pending = new PendingReplies();
    const a = pending.wait('a', { timeoutMs: 500 });
    const assertion = expect(a).rejects.toBeInstanceOf(RequestTimeoutError);
    vi.advanceTimersByTime(499);
    expect(pending.has('a')).toBe(true);
    vi.advanceTimersByTime(1);
    await assertion;
    expect(pending.settle(reply('a'))).toBe('late');
    expect(pending.counts()).toMatchObject({ timedOut: 1, late: 1, resolved: 0 });
  });

  it('rejects with RequestAbortedError when the signal fires, or at once when it already has', async () => {
    const pending = new PendingReplies();
    const controller = new AbortController();
    const a = pending.wait('a', { timeoutMs: 1_000, signal: controller.signal });
    controller.abort();
    await expect(a).rejects.toBeInstanceOf(RequestAbortedError);
    await expect(pending.wait('b', { timeoutMs: 1_000, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(RequestAbortedError);
    expect(vi.getTimerCount()).toBe(0);
    expect(pending.counts().aborted).toBe(2);
    expect(pending.settle(reply('a'))).toBe('late');
  });

  it('removes its abort listener once settled, so a later abort changes nothing', async () => {
    const pending = new PendingReplies();
    const controller = new AbortController();
    const a = pending.wait('a', { timeoutMs: 1_000, signal: controller.signal });
    pending.settle(reply('a'));
    controller.abort();
    await expect(a).resolves.toMatchObject({ correlation_id: 'a' });
    expect(pending.counts()).toMatchObject({ resolved: 1, aborted: 0 });
  });

  it('tells duplicate replies from unknown ones', () => {
    const pending = new PendingReplies();
    void pending.wait('a', { timeoutMs: 1_000 });
    pending.settle(reply('a'));
    expect(pending.settle(reply('a'))).toBe('duplicate');
    expect(pending.settle(reply('z'))).toBe('unknown');
    expect(pending.counts()).toMatchObject({ duplicate: 1, unknown: 1 });
  });

  it('forgets the oldest settled ids beyond its memory', () => {
    const pending = new PendingReplies(undefined, 2);
    for (const id of ['a', 'b', 'c']) {
      void pending.wait(id, { timeoutMs: 1_000 });
      pending.settle(reply(id));
    }
    expect(pending.settle(reply('a'))).toBe('unknown');
    expect(pending.settle(reply('c'))).toBe('duplicate');
  });

  it('rejectAll rejects every waiting request with its own error', async () => {
    const pending = new PendingReplies();
    const waits = ['a', 'b', 'c'].map((id) => pending.wait(id, { timeoutMs: 1_000 }).catch((e: unknown) => (e as Error).message));
    expect(pending.rejectAll((id) => new Error(`closed ${id}`))).toBe(3);
    expect(await Promise.all(waits)).toEqual(['closed a', 'closed b', 'closed c']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
