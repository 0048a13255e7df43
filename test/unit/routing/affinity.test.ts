import { describe, expect, it } from 'vitest';
import type { ModelSnapshot } from '../../../lib/capacity/types.js';
import { createRouter, hash32, HashRing } from '../../../lib/routing/index.js';
import { req, scripted, seeded, snap } from './fixtures.js';

const affinity = (factor = 1.25, random = seeded(1)) => createRouter({ strategy: 'affinity', affinity_load_factor: factor }, { random });
const fleet = (n: number, inFlight: (i: number) => number = () => 0) =>
  Array.from({ length: n }, (_, i) => snap(`e${i}`, {}, { inFlight: inFlight(i) }));
const sessions = Array.from({ length: 1000 }, (_, i) => `session-${i}`);
const firstEndpoint = (order: ModelSnapshot[]) => order[0]!.spec.endpoint;

describe('affinity', () => {
  it('hashes the same way in every process (pinned value)', () => {
    expect(hash32('session-1')).toBe(599268235);
  });

  it('sends a session to the same endpoint on every call and from every router instance', () => {
    const models = fleet(4);
    const [one, two] = [affinity(1.25, seeded(1)), affinity(1.25, seeded(2))];
    for (const session_id of sessions.slice(0, 100)) {
      const home = firstEndpoint(one.order(req({ session_id }), models, 0));
      expect(firstEndpoint(one.order(req({ session_id }), [...models].reverse(), 0))).toBe(home);
      expect(firstEndpoint(two.order(req({ session_id }), models, 0))).toBe(home);
    }
  });

  it('spreads sessions over the endpoints', () => {
    const models = fleet(4);
    const router = affinity();
    const counts = new Map<string, number>();
    for (const session_id of sessions) {
      const e = firstEndpoint(router.order(req({ session_id }), models, 0));
      counts.set(e, (counts.get(e) ?? 0) + 1);
    }
    expect(counts.size).toBe(4);
    for (const c of counts.values()) expect(c).toBeGreaterThan(150);
  });

  it('moves only about 1/N of sessions when an endpoint is added, all to the new one', () => {
    const router = affinity();
    const before = fleet(4);
    const after = fleet(5);
    let moved = 0;
    for (const session_id of sessions) {
      const from = firstEndpoint(router.order(req({ session_id }), before, 0));
      const to = firstEndpoint(router.order(req({ session_id }), after, 0));
      if (from !== to) {
        moved++;
        expect(to).toBe(after[4]!.spec.endpoint);
      }
    }
    // Ideal: 1/5 of 1000. A modulo hash would move ~4/5.
    expect(moved).toBeGreaterThan(120);
    expect(moved).toBeLessThan(300);
  });

  it('keeps the session home while its endpoint stays within the bound', () => {
    const session_id = 'session-7';
    const home = firstEndpoint(affinity().order(req({ session_id }), fleet(4), 0));
    // Home at 3, others at 2: after this request 4 ≤ ceil(1.25 × 10/40 × 10) = 4.
    const models = fleet(4, (i) => (`http://e${i}:8000/v1` === home ? 3 : 2));
    expect(firstEndpoint(affinity().order(req({ session_id }), models, 0))).toBe(home);
  });

  it('falls back to the next endpoint on the ring when the home endpoint is over the bound', () => {
    const session_id = 'session-7';
    const ring = new HashRing(fleet(4).map((m) => m.spec.endpoint));
    const [home, next] = [...ring.walk(session_id)];
    const models = fleet(4, (i) => (`http://e${i}:8000/v1` === home ? 8 : 1));
    const router = affinity();
    expect(firstEndpoint(router.order(req({ session_id }), models, 0))).toBe(next);
    // And consistently so: the session's requests still land together.
    expect(firstEndpoint(router.order(req({ session_id }), models, 0))).toBe(next);
  });

  it('skips a full home endpoint even under a loose bound', () => {
    const session_id = 'session-7';
    const [home, next] = [...new HashRing(fleet(4).map((m) => m.spec.endpoint)).walk(session_id)];
    const models = fleet(4, (i) => (`http://e${i}:8000/v1` === home ? 10 : 9));
    expect(firstEndpoint(affinity(100).order(req({ session_id }), models, 0))).toBe(next);
  });

  it('puts every model of the chosen endpoint first, then the rest by load', () => {
    const shared = 'http://gpu-box:8000/v1';
    const models = [
      snap('other-busy', {}, { inFlight: 5 }),
      snap('box-b', { endpoint: shared }, { inFlight: 1 }),
      snap('other-idle'),
      snap('box-a', { endpoint: shared }, { inFlight: 2 }),
    ];
    const session_id = sessions.find((s) => firstEndpoint(affinity().order(req({ session_id: s }), models, 0)) === shared)!;
    expect(affinity().order(req({ session_id }), models, 0).map((m) => m.spec.id)).toEqual(['box-b', 'box-a', 'other-idle', 'other-busy']);
  });

  it('behaves as least_loaded without a session_id', () => {
    const models = fleet(4, (i) => [5, 1, 9, 3][i]!);
    const leastLoaded = createRouter({ strategy: 'least_loaded', affinity_load_factor: 1.25 }, { random: scripted(0, 0.5) });
    expect(affinity(1.25, scripted(0, 0.5)).order(req(), models, 0)).toEqual(leastLoaded.order(req(), models, 0));
  });
});
