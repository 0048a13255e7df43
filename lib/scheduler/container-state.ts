import type { Lease } from '../capacity/types.js';
import type { QueueItem, RequestKey } from '../queue/types.js';
import type { SchedulerDeps } from './deps.js';

/** The best waiting requests for a model as this container last read them. */
export interface Pool {
  items: QueueItem[];
  readAt: number;
  reading?: Promise<QueueItem[]>;
  /** Bumped when a request that would lead this order was registered here since (`noteWaiting`). */
  generation: number;
}

/** What one running call holds. */
export interface Held {
  key: RequestKey;
  owner: string;
  lease: Lease;
  /** When its claim on the request lapses, as far as this container knows (epoch ms). */
  claimUntil: number;
  /** A lost claim is reported once. */
  lost: boolean;
}

/** A container's running calls and the one ticker that renews what they hold (in its `ContainerState`). */
export interface Keeper {
  held: Set<Held>;
  timer: ReturnType<typeof setInterval> | undefined;
  /** A tick's renewals are in flight: a slow table never gets a second round of the same writes. */
  busy: boolean;
}

/**
 * What one container (a Lambda container, or a local process) remembers between calls to save
 * table calls — hints only, every decision is still a conditional write:
 * - `taken`: requests its slots claimed (or lost) lately, skipped by its other slots until then;
 * - `lastFound`: per model, when a freed slot last found waiting work;
 * - `pools`: per model, its last read of the waiting order;
 * - `lastSweep`: when it last swept;
 * - `keeper`: its running calls and the one ticker that renews what they hold (keepalive.ts).
 */
export interface ContainerState {
  taken: Map<string, number>;
  lastFound: Map<string, number>;
  pools: Map<string, Pool>;
  lastSweep: number;
  keeper: Keeper;
}

const states = new WeakMap<object, ContainerState>();

/** The container's state, keyed by its queue client (shared by every invocation of the container). */
export function containerState(deps: Pick<SchedulerDeps, 'queue'>): ContainerState {
  let state = states.get(deps.queue);
  if (!state) {
    state = { taken: new Map(), lastFound: new Map(), pools: new Map(), lastSweep: -Infinity, keeper: { held: new Set(), timer: undefined, busy: false } };
    states.set(deps.queue, state);
  }
  return state;
}
