import type { Priority } from '../contracts/request.js';
import { higherPriorities } from './items.js';
import type { CapacityStore, DemandPriority, ModelSnapshot } from './types.js';

/** How long a demand mark lives, and how often a holder still waiting moves it forward. */
export interface DemandTiming {
  ttlMs: number;
  refreshMs: number;
}

/** ~1 s marks refreshed every ~300 ms: a holder that dies stops holding others back within a second. */
export const DEFAULT_DEMAND_TIMING: DemandTiming = { ttlMs: 1_000, refreshMs: 300 };

/** True when the snapshot shows a live demand mark of a priority above `priority` (admission would refuse it). */
export function demandBlocks(model: ModelSnapshot, priority: Priority, now: number): boolean {
  const marks = model.state.demandUntil;
  return marks !== undefined && higherPriorities(priority).some((p) => (marks[p] ?? 0) >= now);
}

/**
 * One invocation's demand marks (`CapacityStore.markDemand`): while its high- or medium-priority
 * requests are refused because a model is full for them, it keeps a mark on that model so that a
 * slot freed elsewhere goes to them, not to whichever lower-priority poller comes first. Writes are
 * throttled (one per model and priority per `refreshMs`), and a mark nobody here needs any more is
 * withdrawn at once rather than left to expire, so lower priorities get the model back.
 */
export class DemandMarks {
  private readonly held = new Map<string, { modelId: string; priority: DemandPriority; until: number }>();

  constructor(
    private readonly store: Pick<CapacityStore, 'markDemand' | 'clearDemand'>,
    private readonly timing: DemandTiming = DEFAULT_DEMAND_TIMING,
  ) {}

  /**
   * Marks, or moves forward, each (model, priority) still waiting — unless a mark at least as late
   * as a refresh would need is already there: ours (written within `refreshMs`), or one `seen` in
   * the table (another holder's, read with the fleet snapshot), so holders waiting for the same
   * model share one mark instead of each writing their own.
   */
  async mark(
    wanted: Iterable<readonly [modelId: string, priority: DemandPriority]>,
    now: number,
    seen: (modelId: string, priority: DemandPriority) => number = () => 0,
  ): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const [modelId, priority] of wanted) {
      const key = `${priority}\u0000${modelId}`;
      const held = this.held.get(key);
      const live = Math.max(held?.until ?? 0, seen(modelId, priority));
      if (live - now > this.timing.ttlMs - this.timing.refreshMs) continue;
      const until = now + this.timing.ttlMs;
      this.held.set(key, { modelId, priority, until });
      writes.push(this.store.markDemand(modelId, priority, until));
    }
    await Promise.all(writes);
  }

  /** Withdraws the live marks `stillWanted` no longer needs (all of them by default); forgets expired ones. */
  async settle(now: number, stillWanted: (modelId: string, priority: DemandPriority) => boolean = () => false): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const [key, h] of this.held) {
      if (h.until >= now && stillWanted(h.modelId, h.priority)) continue;
      this.held.delete(key);
      if (h.until >= now) writes.push(this.store.clearDemand(h.modelId, h.priority, h.until));
    }
    await Promise.all(writes);
  }

  /** True while this holder has a live mark (it is waiting for slots others will free). */
  holding(now: number): boolean {
    for (const h of this.held.values()) if (h.until >= now) return true;
    return false;
  }
}
