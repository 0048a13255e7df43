import { describe, expect, it } from 'vitest';
import { createRouter } from '../../../lib/routing/index.js';
import { countFirst, ids, req, snap } from './fixtures.js';

const rr = () => createRouter({ strategy: 'round_robin', affinity_load_factor: 1.25 });

describe('round_robin', () => {
  const models = [snap('c'), snap('a'), snap('b')];

  it('starts one step further on each call, whatever order the store listed them in', () => {
    const router = rr();
    expect(ids(router.order(req(), models, 0))).toEqual(['a', 'b', 'c']);
    expect(ids(router.order(req(), [...models].reverse(), 0))).toEqual(['b', 'c', 'a']);
    expect(ids(router.order(req(), models, 0))).toEqual(['c', 'a', 'b']);
    expect(ids(router.order(req(), models, 0))).toEqual(['a', 'b', 'c']);
  });

  it('rotates evenly over 300 calls', () => {
    const router = rr();
    const counts = countFirst(300, () => router.order(req(), models, 0));
    expect(Object.fromEntries(counts)).toEqual({ a: 100, b: 100, c: 100 });
  });

  it('keeps a separate cursor per task type and candidate set', () => {
    const router = rr();
    router.order(req(), models, 0);
    expect(ids(router.order(req({ task_type: 'data_processing' }), models, 0))[0]).toBe('a');
    expect(ids(router.order(req(), models.slice(0, 2), 0))[0]).toBe('a');
    expect(ids(router.order(req(), models, 0))[0]).toBe('b');
  });
});
