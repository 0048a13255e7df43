import { callsOf, meanLatency } from './report.js';
import type { ModelConfig } from '../config/schema.js';
import { admit } from './admission.js';
import type { AdmissionPort } from './admission.js';
import { handOff } from './handoff.js';
import type { HandOffPort } from './handoff.js';
import { emptyShard, leaseKey } from './items.js';
import type { LeaseEntry, ShardState } from './items.js';
import { toError } from '../errors/index.js';
import { CapacityConfigError } from './errors.js';
import { planModel } from './plan.js';
import type { ShardPlan } from './plan.js';
import { resolveOptions } from './options.js';
import type { CapacityStoreOptions, ResolvedOptions } from './options.js';
import { checkGrant, cooldownMs, hasRateLimit, nextEwma, tokenDelta } from './rules.js';
import type { GrantAttempt, GrantCheck } from './rules.js';
import { toSnapshot } from './snapshot.js';
import type {
  AcquireInput, AcquireOutcome, CallReport, CapacityStore, HandOffOutcome, Lease, ModelSnapshot, ReapResult,
} from './types.js';

interface ModelEntry {
  spec: ModelConfig;
  shards: ShardState[];
}

/**
 * The capacity table in memory, with exactly the DynamoDB adapter's semantics (both apply the rules
 * of `rules.ts`): for unit tests, and for single-process use. Every method is atomic because each
 * runs synchronously between awaits.
 */
export class MemoryCapacityStore implements CapacityStore {
  private readonly models = new Map<string, ModelEntry>();
  private readonly opts: ResolvedOptions;
  private readonly port: AdmissionPort;
  private readonly handOffPort: HandOffPort;

  constructor(options: CapacityStoreOptions = {}) {
    this.opts = resolveOptions(options);
    this.port = {
      now: () => this.opts.clock(),
      random: () => this.opts.random(),
      defaultTtlMs: this.opts.leaseTtlMs,
      plans: (modelId) => Promise.resolve(this.plansOf(modelId)),
      tryGrant: (modelId, attempt, entries) => Promise.resolve(this.grant(modelId, attempt, entries)),
    };
    this.handOffPort = {
      ...this.port,
      cooldown: this.opts.cooldown,
      tryHandOff: (lease, report, attempt, entry) => Promise.resolve(this.handOver(lease, report, attempt, entry)),
      release: (lease, report) => this.release(lease, report),
    };
  }

  ensureTable(): Promise<void> {
    return Promise.resolve();
  }

  putModel(spec: ModelConfig): Promise<void> {
    try {
      this.put(spec);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(toError(err));
    }
  }

  private put(spec: ModelConfig): void {
    const plans = planModel(spec, this.opts.priorityShares);
    const entry = this.models.get(spec.id);
    if (entry && entry.spec.shards !== spec.shards) {
      // As in the table: the shard count changes only on an idle model (see DynamoRegistry.put).
      const inFlight = entry.shards.reduce((sum, s) => sum + s.inFlight, 0);
      if (inFlight > 0) {
        throw new CapacityConfigError(
          spec.id,
          `cannot change the shard count from ${entry.spec.shards} to ${spec.shards} while ${inFlight} request(s) hold slots; ` +
            'retry when the model is idle',
        );
      }
      entry.shards.length = spec.shards;
    }
    const shards = entry?.shards ?? [];
    for (const plan of plans) {
      const shard = shards[plan.shard] ?? emptyShard(spec.id, plan.shard);
      shard.tag = plan.tag;
      shard.capacity = plan.capacity;
      if (plan.rpm === undefined) delete shard.rpm; else shard.rpm = plan.rpm;
      if (plan.tpm === undefined) delete shard.tpm; else shard.tpm = plan.tpm;
      shards[plan.shard] = shard;
    }
    this.models.set(spec.id, { spec: structuredClone(spec), shards });
  }

  removeModel(modelId: string): Promise<boolean> {
    return Promise.resolve(this.models.delete(modelId));
  }

  listModels(): Promise<ModelSnapshot[]> {
    const now = this.opts.clock();
    const all = [...this.models.values()].map((m) => toSnapshot(structuredClone(m.spec), m.shards, now));
    return Promise.resolve(all.sort((a, b) => a.spec.id.localeCompare(b.spec.id)));
  }

  getModel(modelId: string): Promise<ModelSnapshot | undefined> {
    const m = this.models.get(modelId);
    return Promise.resolve(m ? toSnapshot(structuredClone(m.spec), m.shards, this.opts.clock()) : undefined);
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
    const entry = this.leaseEntry(lease);
    if (!entry) return Promise.resolve(false);
    entry.e = this.opts.clock() + ttlMs;
    lease.expiresAt = entry.e;
    return Promise.resolve(true);
  }

  async extendMany(leases: readonly Lease[], ttlMs: number): Promise<boolean[]> {
    return Promise.all(leases.map((l) => this.extend(l, ttlMs)));
  }

  release(lease: Lease, report?: CallReport): Promise<boolean> {
    const shard = this.models.get(lease.modelId)?.shards[lease.shard];
    const key = leaseKey(lease.leaseId);
    if (!shard || !shard.leases[key]) return Promise.resolve(false);
    delete shard.leases[key];
    shard.inFlight -= 1;
    if (report) this.record(lease, shard, report);
    return Promise.resolve(true);
  }

  handOff(lease: Lease, report: CallReport | undefined, next: AcquireInput): Promise<HandOffOutcome> {
    return handOff(this.handOffPort, lease, report, next);
  }

  reap(now: number = this.opts.clock()): Promise<ReapResult> {
    let reclaimed = 0;
    for (const model of this.models.values()) {
      for (const shard of model.shards) {
        for (const [key, entry] of Object.entries(shard.leases)) {
          if (entry.e >= now) continue;
          delete shard.leases[key];
          shard.inFlight -= 1;
          shard.reaped += 1;
          reclaimed += 1;
        }
      }
    }
    return Promise.resolve({ reclaimed, models: this.models.size });
  }

  private plansOf(modelId: string): ShardPlan[] | undefined {
    const m = this.models.get(modelId);
    return m ? planModel(m.spec, this.opts.priorityShares) : undefined;
  }

  private grant(modelId: string, attempt: GrantAttempt, entries: LeaseEntry[]): GrantCheck {
    const shard = this.models.get(modelId)?.shards[attempt.plan.shard];
    const check = checkGrant(shard, attempt);
    if (!check.ok || !shard) return check;
    this.addLeases(shard, attempt, entries, check);
    shard.inFlight += attempt.keys.length;
    return check;
  }

  /** The hand-off, as one atomic step: new lease in, old lease out, in-flight unchanged, call recorded. */
  private handOver(lease: Lease, report: CallReport | undefined, attempt: GrantAttempt, entry: LeaseEntry): GrantCheck {
    const shard = this.models.get(lease.modelId)?.shards[lease.shard];
    const check = checkGrant(shard, attempt);
    if (!check.ok || !shard) return check;
    // Recorded before the new lease is counted, so the tokens reconcile exactly as release + acquire.
    if (report) this.record(lease, shard, report);
    delete shard.leases[attempt.replaces!];
    this.addLeases(shard, attempt, [entry], check);
    return check;
  }

  /** Stores granted lease entries and counts them in the rate window (not in `inFlight`). */
  private addLeases(shard: ShardState, attempt: GrantAttempt, entries: LeaseEntry[], check: Extract<GrantCheck, { ok: true }>): void {
    const rated = hasRateLimit(attempt.plan);
    attempt.keys.forEach((key, i) => {
      shard.leases[key] = rated ? { ...entries[i]!, w: check.window } : { ...entries[i]! };
    });
    if (rated) {
      const tokens = attempt.keys.length * attempt.tokensEach;
      if (check.rollover) {
        shard.rlWin = check.window;
        shard.rlReq = 0;
        shard.rlTok = 0;
      }
      shard.rlReq += attempt.keys.length;
      shard.rlTok += tokens;
    }
  }

  private leaseEntry(lease: Lease): LeaseEntry | undefined {
    return this.models.get(lease.modelId)?.shards[lease.shard]?.leases[leaseKey(lease.leaseId)];
  }

  /** Statistics, cooldown and token reconciliation of one released call. */
  private record(lease: Lease, shard: ShardState, report: CallReport): void {
    shard.processed += callsOf(report);
    shard.tokIn += report.promptTokens;
    shard.tokOut += report.completionTokens;
    if (report.ok) {
      shard.latSum += report.latencyMs;
      shard.latCount += callsOf(report);
      shard.ewma = nextEwma(shard.ewma, meanLatency(report));
      shard.failures = 0;
    } else {
      shard.errors += 1;
      if (report.failure) shard.failures += 1;
    }
    if (lease.rateWindow !== undefined) {
      const delta = tokenDelta(lease.estimatedTokens, report);
      // A refund only goes back to the window the reservation was counted in.
      if (delta > 0 || (delta < 0 && shard.rlWin === lease.rateWindow)) shard.rlTok += delta;
    }
    const cool = cooldownMs(shard.failures, report, this.opts.cooldown);
    if (cool !== undefined) {
      const until = this.opts.clock() + cool;
      for (const s of this.models.get(lease.modelId)?.shards ?? []) s.cooldownUntil = Math.max(s.cooldownUntil, until);
    }
  }
}
