import { ModelConfigSchema } from '../config/schema.js';
import type { ModelConfig } from '../config/schema.js';
import type { Item, TableIO } from './dynamo-io.js';
import { freezeShardUpdate, putShardUpdate } from './dynamo-expressions.js';
import { CapacityConfigError } from './errors.js';
import { decodeShard, metaKey, shardKey } from './items.js';
import type { ShardState } from './items.js';
import type { ResolvedOptions } from './options.js';
import { planModel } from './plan.js';
import { toSnapshot } from './snapshot.js';
import type { ModelSnapshot } from './types.js';

/** A model's description item (`model#<id>`), decoded; undefined when absent or unreadable. */
function decodeSpec(item: Item | undefined): ModelConfig | undefined {
  if (!item || item['kind'] !== 'model') return undefined;
  const parsed = ModelConfigSchema.safeParse(item['spec']);
  return parsed.success ? parsed.data : undefined;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** The model registry half of the DynamoDB store: descriptions, shard items, snapshots. */
export class DynamoRegistry {
  constructor(private readonly io: TableIO, private readonly opts: ResolvedOptions) {}

  /**
   * Creates or updates a model. Shard items are written first (keeping their live state), then
   * the description, so a reader never sees a shard count whose items do not exist yet.
   *
   * Changing the shard count moves capacity between items while in-flight counts stay in theirs,
   * which could over-admit; so it is only done on an idle model: the old shards are frozen (one
   * write each; admission then matches none of them), read, and either replaced (all idle) or
   * restored, with a `CapacityConfigError`.
   */
  async put(spec: ModelConfig): Promise<void> {
    const plans = planModel(spec, this.opts.priorityShares);
    const previous = decodeSpec(await this.io.get(metaKey(spec.id)));
    if (previous && previous.shards !== spec.shards) await this.reshard(previous, spec);
    await Promise.all(plans.map((plan) => this.io.update(putShardUpdate(shardKey(spec.id, plan.shard), spec.id, plan))));
    await this.io.put({ pk: metaKey(spec.id), kind: 'model', modelId: spec.id, spec, updatedAt: this.opts.clock() });
  }

  private async reshard(previous: ModelConfig, spec: ModelConfig): Promise<void> {
    const keys = range(previous.shards).map((s) => shardKey(spec.id, s));
    await Promise.all(keys.map((pk) => this.io.update(freezeShardUpdate(pk))));
    const items = await this.io.getMany(keys);
    const inFlight = [...items.values()].reduce((sum, item) => sum + (decodeShard(item)?.inFlight ?? 0), 0);
    if (inFlight > 0) {
      const old = planModel(previous, this.opts.priorityShares);
      await Promise.all(old.map((plan) => this.io.update(putShardUpdate(shardKey(spec.id, plan.shard), spec.id, plan))));
      throw new CapacityConfigError(
        spec.id,
        `cannot change the shard count from ${previous.shards} to ${spec.shards} while ${inFlight} request(s) hold slots; ` +
          'retry when the model is idle',
      );
    }
    await Promise.all(keys.slice(spec.shards).map((pk) => this.io.delete(pk)));
  }

  /** Deletes the description first (admission then refuses `unknown_model`), then every shard item. */
  async remove(modelId: string): Promise<boolean> {
    const spec = decodeSpec(await this.io.delete(metaKey(modelId)));
    if (!spec) return false;
    await Promise.all(range(spec.shards).map((s) => this.io.delete(shardKey(modelId, s))));
    return true;
  }

  async spec(modelId: string): Promise<ModelConfig | undefined> {
    return decodeSpec(await this.io.get(metaKey(modelId)));
  }

  async get(modelId: string): Promise<ModelSnapshot | undefined> {
    const spec = await this.spec(modelId);
    if (!spec) return undefined;
    const items = await this.io.getMany(range(spec.shards).map((s) => shardKey(modelId, s)));
    const shards = [...items.values()].map(decodeShard).filter((s): s is ShardState => s !== undefined);
    return toSnapshot(spec, shards, this.opts.clock());
  }

  /** Every model, from one scan of the table (a few items per model). */
  async list(): Promise<ModelSnapshot[]> {
    const items = await this.io.scan();
    const shards = new Map<string, ShardState[]>();
    for (const s of items.map(decodeShard)) {
      if (s) shards.set(s.modelId, [...(shards.get(s.modelId) ?? []), s]);
    }
    const now = this.opts.clock();
    return items
      .map(decodeSpec)
      .filter((m) => m !== undefined)
      .map((spec) => toSnapshot(spec, shards.get(spec.id) ?? [], now))
      .sort((a, b) => a.spec.id.localeCompare(b.spec.id));
  }
}
