import type { ModelSnapshot } from '../capacity/types.js';

/** Share of the model's slots in use: inFlight / capacity (can exceed 1 for a stale view). */
export function loadOf(s: ModelSnapshot): number {
  return s.state.inFlight / s.spec.capacity;
}

/** Ascending load; equal loads by id so every container breaks ties the same way. */
export function byLoad(a: ModelSnapshot, b: ModelSnapshot): number {
  return loadOf(a) - loadOf(b) || byId(a, b);
}

export function byId(a: ModelSnapshot, b: ModelSnapshot): number {
  return a.spec.id < b.spec.id ? -1 : a.spec.id > b.spec.id ? 1 : 0;
}

/** A sorted copy; never mutates the caller's array. */
export function sortedBy(models: readonly ModelSnapshot[], cmp: (a: ModelSnapshot, b: ModelSnapshot) => number): ModelSnapshot[] {
  return [...models].sort(cmp);
}
