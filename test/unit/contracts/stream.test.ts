import { describe, expect, it } from 'vitest';
import { StreamTracker } from '../../../lib/contracts/stream.js';
import type { StreamChunk } from '../../../lib/contracts/stream.js';

function chunk(streamId: string, attempt: number, startedAt: number, seq: number): StreamChunk {
  return { correlation_id: 'c', id: 'r', stream_id: streamId, attempt, started_at: startedAt, seq, model_id: 'm', delta: { content: `${streamId}${seq}` } };
}

describe('StreamTracker', () => {
  it('accepts one run in order and drops a repeated seq', () => {
    const t = new StreamTracker();
    expect([0, 1, 1, 2].map((s) => t.accept(chunk('a', 1, 10, s)))).toEqual(['next', 'next', 'stale', 'next']);
  });

  it('switches to a later attempt and drops what the earlier attempt still sends', () => {
    const t = new StreamTracker();
    expect(t.accept(chunk('a', 1, 10, 0))).toBe('next');
    expect(t.accept(chunk('b', 2, 20, 0))).toBe('restart');
    expect(t.accept(chunk('a', 1, 10, 1))).toBe('stale');
    expect(t.accept(chunk('b', 2, 20, 1))).toBe('next');
  });

  it('orders two runs of the same attempt (a re-run after a lapsed claim) by their start', () => {
    const t = new StreamTracker();
    expect(t.accept(chunk('late', 1, 50, 0))).toBe('next');
    expect(t.accept(chunk('early', 1, 10, 3))).toBe('stale');
    expect(t.accept(chunk('late', 1, 50, 1))).toBe('next');
  });
});
