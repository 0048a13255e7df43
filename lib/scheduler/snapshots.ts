import type { CapacityStore, ModelSnapshot } from '../capacity/types.js';

/**
 * The fleet as last read from the capacity table, shared by every invocation of a container (in
 * the local runner: by every concurrent batch). One read serves all callers within `maxAgeMs`, and
 * concurrent callers share a read in progress. The snapshot only guides which writes to try; the
 * conditional write is what decides.
 */
export class SnapshotCache {
  private snapshots: ModelSnapshot[] = [];
  private readAt = -Infinity;
  private reading: Promise<ModelSnapshot[]> | undefined;

  constructor(
    private readonly store: Pick<CapacityStore, 'listModels'>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(maxAgeMs: number): Promise<ModelSnapshot[]> {
    if (this.now() - this.readAt <= maxAgeMs) return this.snapshots;
    this.reading ??= this.store
      .listModels()
      .then((list) => {
        this.snapshots = list;
        this.readAt = this.now();
        return list;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  /** Forgets the cached read (after a local change that should be seen at once). */
  invalidate(): void {
    this.readAt = -Infinity;
  }
}
