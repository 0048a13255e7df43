import { hash32 } from './hash.js';

/** Virtual nodes per endpoint: enough that each endpoint owns close to 1/N of the ring. */
export const VIRTUAL_NODES = 100;

/**
 * A consistent-hash ring of endpoints. Adding or removing an endpoint moves only the keys of the
 * arcs it gains or loses (about 1/N of them), so most sessions keep their instance's prefix cache.
 */
export class HashRing {
  private readonly points: Uint32Array;
  private readonly owners: string[];

  constructor(endpoints: readonly string[], virtualNodes = VIRTUAL_NODES) {
    const nodes: { point: number; endpoint: string }[] = [];
    for (const endpoint of new Set(endpoints)) {
      for (let v = 0; v < virtualNodes; v++) nodes.push({ point: hash32(`${endpoint}#${v}`), endpoint });
    }
    // Ties on a point are broken by name, so the ring is the same whatever order endpoints came in.
    nodes.sort((a, b) => a.point - b.point || (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
    this.points = Uint32Array.from(nodes, (n) => n.point);
    this.owners = nodes.map((n) => n.endpoint);
  }

  /** Distinct endpoints met walking clockwise from the key's point: the key's preference order. */
  *walk(key: string): Generator<string> {
    const n = this.points.length;
    const seen = new Set<string>();
    const start = this.firstAtOrAfter(hash32(key));
    for (let k = 0; k < n; k++) {
      const owner = this.owners[(start + k) % n]!;
      if (seen.has(owner)) continue;
      seen.add(owner);
      yield owner;
    }
  }

  private firstAtOrAfter(point: number): number {
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid]! < point) lo = mid + 1;
      else hi = mid;
    }
    return lo % Math.max(1, this.points.length);
  }
}
