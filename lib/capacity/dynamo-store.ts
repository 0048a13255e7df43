import { meanLatency } from './report.js';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ModelConfig } from '../config/schema.js';
import { admit } from './admission.js';
import type { AdmissionPort } from './admission.js';
import { TableIO } from './dynamo-io.js';
import type { Item, TableCounters } from './dynamo-io.js';
import { cooldownUpdate, grantUpdate, releaseUpdate } from './dynamo-expressions.js';
import { extendLease, extendLeases } from './dynamo-extend.js';
import type { TokenReconcile, UpdateInput } from './dynamo-expressions.js';
import { handOffUpdate } from './dynamo-handoff.js';
import { handOff } from './handoff.js';
import type { HandOffPort } from './handoff.js';
import { DynamoRegistry } from './dynamo-registry.js';
import { decodeShard, leaseKey, shardKey } from './items.js';
import type { LeaseEntry } from './items.js';
import { resolveOptions } from './options.js';
import type { CapacityStoreOptions, ResolvedOptions } from './options.js';
import { planModel } from './plan.js';
import type { ShardPlan } from './plan.js';
import { reapTable } from './reaper.js';
import { checkGrant, cooldownMs, hasRateLimit, nextEwma, rateWindow, tokenDelta } from './rules.js';
import type { GrantAttempt, GrantCheck } from './rules.js';
import { ensureCapacityTable } from './table.js';
import type {
  AcquireInput, AcquireOutcome, CallReport, CapacityStore, HandOffOutcome, Lease, ModelSnapshot, ReapResult,
} from './types.js';

/** Attempts on one shard before admission moves on (a guessed rate window can be wrong once). */
const ATTEMPTS_PER_SHARD = 3;

/**
 * The capacity table on DynamoDB. Admission, release, extension and reaping are each one
 * single-item conditional write (no transactions: dynalite has none); see `dynamo-expressions.ts`
 * for the conditions and README "Capacity table" for the design.
 *
 * Where the server returns the refused item (`ReturnValuesOnConditionCheckFailure: ALL_OLD`, as
 * DynamoDB and DynamoDB Local do) a refusal costs no read; dynalite does not return it, so the
 * store then reads the item to explain the refusal.
 *
 * The EWMA latency is approximate: DynamoDB update expressions cannot multiply, so the releasing
 * instance computes `ewma + α (latency − ewma)` from the last value it saw (returned by its
 * previous release of that shard) and SETs it; concurrent releases may overwrite one another's
 * sample. The mean latency (`latSum / latCount`) is exact.
 */
export class DynamoCapacityStore implements CapacityStore {
  private readonly io: TableIO;
  private readonly opts: ResolvedOptions;
  private readonly registry: DynamoRegistry;
  private readonly port: AdmissionPort;
  private readonly handOffPort: HandOffPort;
  private readonly specCache = new Map<string, { plans: ShardPlan[]; at: number }>();
  /** Last rate window seen per shard item: picks the likely write (same window or rollover) first. */
  private readonly windows = new Map<string, number>();
  private readonly ewmas = new Map<string, number>();

  constructor(private readonly client: DynamoDBClient, readonly table: string, options: CapacityStoreOptions = {}) {
    this.io = new TableIO(client, table);
    this.opts = resolveOptions(options);
    this.registry = new DynamoRegistry(this.io, this.opts);
    this.port = {
      now: () => this.opts.clock(),
      random: () => this.opts.random(),
      defaultTtlMs: this.opts.leaseTtlMs,
      plans: (modelId, refresh) => this.plans(modelId, refresh),
      tryGrant: (modelId, attempt, entries) => this.tryGrant(modelId, attempt, entries),
    };
    this.handOffPort = {
      ...this.port,
      cooldown: this.opts.cooldown,
      tryHandOff: (lease, report, attempt, entry) => this.tryHandOff(lease, report, attempt, entry),
      release: (lease, report) => this.release(lease, report),
    };
  }

  /** Requests issued so far by this store (writes include those refused by their condition). */
  get counters(): Readonly<TableCounters> {
    return this.io.counters;
  }

  ensureTable(): Promise<void> {
    return ensureCapacityTable(this.client, this.table);
  }

  async putModel(spec: ModelConfig): Promise<void> {
    await this.registry.put(spec);
    this.specCache.delete(spec.id);
  }

  async removeModel(modelId: string): Promise<boolean> {
    this.specCache.delete(modelId);
    return this.registry.remove(modelId);
  }

  listModels(): Promise<ModelSnapshot[]> {
    return this.registry.list();
  }

  getModel(modelId: string): Promise<ModelSnapshot | undefined> {
    return this.registry.get(modelId);
  }

  async acquire(input: AcquireInput): Promise<AcquireOutcome> {
    const result = await admit(this.port, input, 1, false);
    const lease = result.leases[0];
    if (lease) return { granted: true, lease };
    return { granted: false, ...(result.refusal ?? { reason: 'unknown_model' }) };
  }

  async acquireMany(input: AcquireInput, count: number): Promise<Lease[]> {
    return (await admit(this.port, input, count, true)).leases;
  }

  extend(lease: Lease, ttlMs: number): Promise<boolean> {
    return extendLease(this.io, this.opts.clock() + ttlMs, lease);
  }

  extendMany(leases: readonly Lease[], ttlMs: number): Promise<boolean[]> {
    return extendLeases(this.io, this.opts.clock() + ttlMs, leases);
  }

  async release(lease: Lease, report?: CallReport): Promise<boolean> {
    const pk = shardKey(lease.modelId, lease.shard);
    const key = leaseKey(lease.leaseId);
    const ewma = report?.ok ? this.nextEwma(pk, meanLatency(report)) : undefined;
    let tokens: TokenReconcile | undefined;
    if (lease.rateWindow !== undefined && report) {
      const delta = tokenDelta(lease.estimatedTokens, report);
      // Overuse is charged to whatever window is current; a refund only to the reservation's own window.
      tokens = delta < 0 ? { delta, window: lease.rateWindow } : { delta };
    }
    let res = await this.io.update(releaseUpdate(pk, key, report, ewma, tokens));
    if (!res.ok && tokens?.window !== undefined) {
      const old = res.item ?? (await this.io.get(pk));
      if (!decodeShard(old)?.leases[key]) return false;
      // The window moved on since admission: release without the refund.
      res = await this.io.update(releaseUpdate(pk, key, report, ewma, undefined));
    }
    if (!res.ok) return false;
    if (report) await this.afterRelease(lease, pk, report, res.attributes);
    return true;
  }

  handOff(lease: Lease, report: CallReport | undefined, next: AcquireInput): Promise<HandOffOutcome> {
    return handOff(this.handOffPort, lease, report, next);
  }

  reap(now: number = this.opts.clock()): Promise<ReapResult> {
    return reapTable(this.io, now);
  }

  private nextEwma(pk: string, latencyMs: number): number | undefined {
    const seen = this.ewmas.get(pk);
    return seen === undefined ? undefined : nextEwma(seen, latencyMs);
  }

  /** Learns the new EWMA; starts a cooldown on every shard when this failure calls for one. */
  private async afterRelease(lease: Lease, pk: string, report: CallReport, attrs: Record<string, unknown> | undefined): Promise<void> {
    if (typeof attrs?.['ewma'] === 'number') this.ewmas.set(pk, attrs['ewma']);
    if (!report.failure || report.ok) return;
    const failures = typeof attrs?.['failures'] === 'number' ? attrs['failures'] : 1;
    const ms = cooldownMs(failures, report, this.opts.cooldown);
    if (ms === undefined) return;
    const until = this.opts.clock() + ms;
    const plans = (await this.plans(lease.modelId, false)) ?? [];
    const shards = new Set([lease.shard, ...plans.map((p) => p.shard)]);
    // Best effort on the other shards: a refused write means a longer cooldown is already set.
    await Promise.all([...shards].map((s) => this.io.update(cooldownUpdate(shardKey(lease.modelId, s), until))));
  }

  private async plans(modelId: string, refresh: boolean): Promise<ShardPlan[] | undefined> {
    const cached = this.specCache.get(modelId);
    // Real time, not the injected clock: the cache is about staleness of the table, not about leases.
    if (!refresh && cached && performance.now() - cached.at < this.opts.specCacheMs) return cached.plans;
    const spec = await this.registry.spec(modelId);
    if (!spec) {
      this.specCache.delete(modelId);
      return undefined;
    }
    const plans = planModel(spec, this.opts.priorityShares);
    this.specCache.set(modelId, { plans, at: performance.now() });
    return plans;
  }

  /** One shard: the admission write, and on refusal the reason read from the returned item. */
  private async tryGrant(modelId: string, attempt: GrantAttempt, entries: LeaseEntry[]): Promise<GrantCheck> {
    const pk = shardKey(modelId, attempt.plan.shard);
    return (await this.conditionalGrant(pk, attempt, entries, (stored, window, rollover) => grantUpdate(pk, attempt, stored, window, rollover))).check;
  }

  /** The hand-off write on the old lease's shard; learns the EWMA like a release. */
  private async tryHandOff(lease: Lease, report: CallReport | undefined, attempt: GrantAttempt, entry: LeaseEntry): Promise<GrantCheck> {
    const pk = shardKey(lease.modelId, lease.shard);
    const call = {
      report,
      ewma: report?.ok ? this.nextEwma(pk, meanLatency(report)) : undefined,
    };
    const { check, attributes } = await this.conditionalGrant(pk, attempt, [entry], (stored, window, rollover) =>
      handOffUpdate(pk, attempt, stored[0]!, window, rollover, call));
    if (check.ok && typeof attributes?.['ewma'] === 'number') this.ewmas.set(pk, attributes['ewma']);
    return check;
  }

  /**
   * A conditional write that grants `attempt.keys` (built by `build` for a rate window), and on
   * refusal the reason read from the returned item; a wrong guess of the rate window is retried.
   */
  private async conditionalGrant(
    pk: string,
    attempt: GrantAttempt,
    entries: LeaseEntry[],
    build: (stored: LeaseEntry[], window: number, rollover: boolean) => UpdateInput,
  ): Promise<{ check: GrantCheck; attributes?: Item | undefined }> {
    const rated = hasRateLimit(attempt.plan);
    const ours = rateWindow(attempt.now);
    const known = this.windows.get(pk);
    let window = known !== undefined && known > ours ? known : ours;
    let rollover = rated && known !== undefined && known < ours;
    let last: GrantCheck = { ok: false, reason: 'full', fits: 0 };
    for (let i = 0; i < ATTEMPTS_PER_SHARD; i++) {
      const stored = rated ? entries.map((e) => ({ ...e, w: window })) : entries;
      const res = await this.io.update(build(stored, window, rollover));
      if (res.ok) {
        if (rated) this.windows.set(pk, window);
        return { check: { ok: true, rollover, window }, attributes: res.attributes };
      }
      const state = decodeShard(res.item ?? (await this.io.get(pk)));
      if (state && rated) this.windows.set(pk, state.rlWin);
      last = checkGrant(state, attempt);
      if (!last.ok && last.reason === 'duplicate_lease' && state && this.isOurs(state.leases, attempt.keys, entries)) {
        // Our own write, applied, whose response was lost and retried by the SDK.
        return { check: { ok: true, rollover: false, window: state.leases[attempt.keys[0]!]?.w ?? window } };
      }
      if (!last.ok) return { check: last };
      // The item admits us after all: our window guess was wrong, or it changed since (dynalite read).
      window = last.window;
      rollover = last.rollover;
    }
    return { check: last.ok ? { ok: false, reason: 'full', fits: 0 } : last };
  }

  private isOurs(leases: Record<string, LeaseEntry>, keys: string[], entries: LeaseEntry[]): boolean {
    return keys.every((k, i) => leases[k]?.r === entries[i]!.r && leases[k]?.e === entries[i]!.e);
  }
}

/** Builds the DynamoDB store (convenience for callers holding a client and a table name). */
export function createDynamoCapacityStore(client: DynamoDBClient, table: string, options?: CapacityStoreOptions): DynamoCapacityStore {
  return new DynamoCapacityStore(client, table, options);
}
