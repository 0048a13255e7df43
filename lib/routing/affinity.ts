import type { ModelSnapshot } from '../capacity/types.js';
import { HashRing } from './hash-ring.js';
import { leastLoadedOrder } from './least-loaded.js';
import { byLoad, sortedBy } from './load.js';
import type { Ordering, Random } from './types.js';

const MAX_RINGS = 64;

interface EndpointLoad {
  inFlight: number;
  capacity: number;
}

/**
 * Session affinity: the same `session_id` goes to the same endpoint, so a vLLM / SGLang instance
 * reuses the session's prefix (KV) cache. Consistent hashing with bounded loads (Mirrokni,
 * Thorup, Zadimoghaddam, "Consistent Hashing with Bounded Loads"): walk the ring from the
 * session's point and take the first endpoint that is not full and whose in-flight count after
 * this request stays within ceil(factor × average load × its capacity) — the ceiling is the
 * paper's, and it lets an idle fleet always accept. A hot session thus spills to the next
 * endpoint on the ring instead of piling onto one instance.
 *
 * Order: the chosen endpoint's models (least loaded first), then every other candidate by load.
 * Without a `session_id`, or when no endpoint is within bounds, this is least_loaded.
 */
export function createAffinity(loadFactor: number, random: Random): Ordering {
  const rings = new Map<string, HashRing>();

  function ringFor(endpoints: string[]): HashRing {
    const key = endpoints.join('\n');
    let ring = rings.get(key);
    if (!ring) {
      if (rings.size >= MAX_RINGS) rings.clear();
      ring = new HashRing(endpoints);
      rings.set(key, ring);
    }
    return ring;
  }

  return {
    order(request, ready: readonly ModelSnapshot[]): ModelSnapshot[] {
      if (request.session_id == null || ready.length <= 1) return leastLoadedOrder(ready, random);
      const loads = endpointLoads(ready);
      const endpoint = preferredEndpoint(ringFor([...loads.keys()].sort()), request.session_id, loads, loadFactor);
      if (endpoint === undefined) return leastLoadedOrder(ready, random);
      const home = ready.filter((m) => m.spec.endpoint === endpoint);
      const rest = ready.filter((m) => m.spec.endpoint !== endpoint);
      return [...sortedBy(home, byLoad), ...sortedBy(rest, byLoad)];
    },
  };
}

function endpointLoads(models: readonly ModelSnapshot[]): Map<string, EndpointLoad> {
  const loads = new Map<string, EndpointLoad>();
  for (const m of models) {
    const l = loads.get(m.spec.endpoint) ?? { inFlight: 0, capacity: 0 };
    l.inFlight += m.state.inFlight;
    l.capacity += m.spec.capacity;
    loads.set(m.spec.endpoint, l);
  }
  return loads;
}

/** The first endpoint on the session's walk that can take one more request within the bound. */
function preferredEndpoint(ring: HashRing, session: string, loads: Map<string, EndpointLoad>, factor: number): string | undefined {
  let inFlight = 0;
  let capacity = 0;
  for (const l of loads.values()) {
    inFlight += l.inFlight;
    capacity += l.capacity;
  }
  // Average load counting the request being routed, as the paper counts the ball being placed.
  const average = (inFlight + 1) / capacity;
  for (const endpoint of ring.walk(session)) {
    const l = loads.get(endpoint)!;
    // The small subtraction keeps float noise (2.0000000001) from adding a whole slot.
    const bound = Math.ceil(factor * average * l.capacity - 1e-9);
    if (l.inFlight < l.capacity && l.inFlight + 1 <= bound) return endpoint;
  }
  return undefined;
}
