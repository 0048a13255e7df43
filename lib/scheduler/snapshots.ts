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
  private readingSince = -Infinity;

  constructor(
    private readonly store: Pick<CapacityStore, 'listModels'>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(maxAgeMs: number): Promise<ModelSnapshot[]> {
    if (this.now() - this.readAt <= maxAgeMs) return this.snapshots;
    return this.reading ?? this.read();
  }

  /**
   * The cached read at once when it is at most `staleMs` old, refreshed in the background once
   * older than `maxAgeMs` (the caller does not wait for the table); a read otherwise. For hints
   * whose every use is a conditional write anyway.
   */
  async recent(maxAgeMs: number, staleMs: number): Promise<ModelSnapshot[]> {
    const age = this.now() - this.readAt;
    if (age <= maxAgeMs) return this.snapshots;
    if (age <= staleMs) {
      if (!this.reading) this.read().catch(() => undefined);
      return this.snapshots;
    }
    return this.reading ?? this.read();
  }

  /**
   * A read that starts now or later (one in progress that started earlier is not shared): what
   * the table says after everything this caller did before calling.
   */
  async fresh(): Promise<ModelSnapshot[]> {
    const since = this.now();
    if (this.reading && this.readingSince >= since) return this.reading;
    return this.read();
  }

  private read(): Promise<ModelSnapshot[]> {
    const started = this.now();
    const reading = this.store
      .listModels()
      .then((list) => {
        // Reads may finish out of order: keep the one that started last. Its age counts from its start.
        if (started >= this.readAt) {
          this.snapshots = list;
          this.readAt = started;
        }
        return list;
      })
      .finally(() => {
        if (this.reading === reading) this.reading = undefined;
      });
    this.reading = reading;
    this.readingSince = started;
    return reading;
  }

  /**
   * A lease on `modelId` was refused as full: until the next read, this container sees it full
   * (no more writes that would be refused too).
   */
  markFull(modelId: string): void {
    const m = this.snapshots.find((s) => s.spec.id === modelId);
    if (m) m.state = { ...m.state, inFlight: Math.max(m.state.inFlight, m.spec.capacity) };
  }

  /** Counts a lease this container just took into the cached read, so its next dispatch sees one slot fewer. */
  noteLeased(modelId: string): void {
    const m = this.snapshots.find((s) => s.spec.id === modelId);
    if (m) m.state = { ...m.state, inFlight: m.state.inFlight + 1 };
  }

  /**
   * This container saw `modelId` start a cooldown (a 429) until `until`: its cached read shows it at
   * once, so no other slot of the container sends it work meanwhile (the table has it too, but the
   * cached read may be up to a second old).
   */
  noteCooldown(modelId: string, until: number): void {
    const m = this.snapshots.find((s) => s.spec.id === modelId);
    if (m && until > m.state.cooldownUntil) m.state = { ...m.state, cooldownUntil: until };
  }

  /** How old the cached read is, milliseconds (Infinity before the first). */
  ageMs(): number {
    return this.now() - this.readAt;
  }

  /** Forgets the cached read (after a local change that should be seen at once). */
  invalidate(): void {
    this.readAt = -Infinity;
  }
}
