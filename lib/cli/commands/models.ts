import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { ModelNotFoundError } from '../../capacity/errors.js';
import type { ModelSnapshot } from '../../capacity/types.js';
import { loadConfig } from '../../config/load.js';
import { ModelConfigSchema } from '../../config/schema.js';
import type { ModelConfig } from '../../config/schema.js';
import { issuePath } from '../../contracts/decode.js';
import { AgentSchedError, ConfigError } from '../../errors/index.js';
import { apiKeyRefKey } from '../../llm/api-key.js';
import { printJson, printRows } from '../output.js';
import { addTableFlags, withCapacityStore } from './capacity.js';
import type { TableFlags } from './capacity.js';

interface ModelFlags extends TableFlags {
  id?: string;
  endpoint?: string;
  model?: string;
  tasks?: string[];
  capacity?: number;
  weight?: number;
  cost?: number;
  rpm?: number | 'none';
  tpm?: number | 'none';
  apiKeyEnv?: string;
  apiKeySecret?: string;
  shards?: number;
  timeoutMs?: number;
  fromConfig?: string | true;
  force?: boolean;
}

const positive = (kind: 'int' | 'number') => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (kind === 'int' && !Number.isInteger(n))) {
    throw new InvalidArgumentError(`expected ${kind === 'int' ? 'a non-negative integer' : 'a non-negative number'}`);
  }
  return n;
};
/** `--rpm none` removes a limit on update. */
const limit = (value: string): number | 'none' => (value === 'none' ? 'none' : positive('int')(value));
const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);

/** The flags given on the command line, as ModelConfig fields (snake_case, like the YAML). */
function fieldsFromFlags(f: ModelFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (key: string, v: unknown): void => {
    if (v !== undefined) out[key] = v;
  };
  put('id', f.id);
  put('endpoint', f.endpoint);
  put('model', f.model);
  put('supported_tasks', f.tasks);
  put('capacity', f.capacity);
  put('weight', f.weight);
  put('cost_per_1k_tokens', f.cost);
  put('rpm', f.rpm === 'none' ? null : f.rpm);
  put('tpm', f.tpm === 'none' ? null : f.tpm);
  put('shards', f.shards);
  put('timeout_ms', f.timeoutMs);
  if (f.apiKeyEnv) out['api_key'] = { env: f.apiKeyEnv };
  if (f.apiKeySecret) out['api_key'] = { secret: f.apiKeySecret };
  return out;
}

/** Validates a model description from flags; errors name the field. `null` fields are dropped. */
function parseModel(fields: Record<string, unknown>): ModelConfig {
  const doc = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
  const parsed = ModelConfigSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError('command line', issue ? issuePath(issue.path) : '', issue?.message ?? 'invalid');
  }
  return parsed.data;
}

function specRow(spec: ModelConfig): Record<string, unknown> {
  const key = spec.api_key;
  return {
    id: spec.id, endpoint: spec.endpoint, model: spec.model, tasks: spec.supported_tasks.join(','),
    capacity: spec.capacity, shards: spec.shards, weight: spec.weight, cost_per_1k: spec.cost_per_1k_tokens,
    rpm: spec.rpm, tpm: spec.tpm, api_key: apiKeyRefKey(key),
  };
}

const round = (n: number): number => Math.round(n * 10) / 10;

function statsRow({ spec, state }: ModelSnapshot, now: number): Record<string, unknown> {
  return {
    id: spec.id, capacity: spec.capacity, in_flight: state.inFlight, live_leases: state.liveLeases,
    processed: state.processed, errors: state.errors, avg_ms: round(state.avgLatencyMs), ewma_ms: round(state.ewmaLatencyMs),
    tokens_in: state.tokensIn, tokens_out: state.tokensOut, failures: state.consecutiveFailures,
    cooldown_s: state.cooldownUntil > now ? round((state.cooldownUntil - now) / 1000) : 0,
    reaped: state.reaped ?? 0, rpm_used: spec.rpm === undefined ? undefined : state.windowRequests,
    tpm_used: spec.tpm === undefined ? undefined : state.windowTokens,
  };
}

function modelOptions(command: Command): Command {
  return addTableFlags(command)
    .option('--endpoint <url>', 'OpenAI-compatible base URL, e.g. http://vllm-1:8000/v1')
    .option('--model <name>', 'model name sent upstream (default: the id)')
    .option('--tasks <list>', 'supported task types, comma separated (text_generation,image_analysis,data_processing)', list)
    .option('--capacity <n>', 'max concurrent requests', positive('int'))
    .option('--weight <w>', 'routing weight', positive('number'))
    .option('--cost <c>', 'cost per 1k tokens', positive('number'))
    .option('--rpm <n>', 'requests per minute limit (update: "none" removes it)', limit)
    .option('--tpm <n>', 'tokens per minute limit (update: "none" removes it)', limit)
    .option('--api-key-env <NAME>', 'environment variable holding the API key')
    .option('--api-key-secret <name>', 'AWS Secrets Manager secret holding the API key')
    .option('--shards <n>', 'capacity items (see README "Hot items")', positive('int'))
    .option('--timeout-ms <ms>', 'per-call timeout', positive('int'));
}

/** `agentsched models add|update|remove|list|stats`: the model registry in the capacity table. */
export function register(program: Command): void {
  const models = program.command('models').description('Manage the models of the capacity table');

  modelOptions(models.command('add').description('Add a model (or every model of a config file with --from-config)'))
    .option('--id <id>', 'model id')
    .option('--from-config [file]', 'add or update every model of this config file (default: --config)')
    .action(async (flags: ModelFlags) => {
      const rows = await withCapacityStore(flags, async (store, config) => {
        await store.ensureTable();
        if (flags.fromConfig !== undefined) {
          const source = flags.fromConfig === true ? config : loadConfig(flags.fromConfig);
          const out: Record<string, unknown>[] = [];
          for (const spec of source.models) {
            const existed = (await store.getModel(spec.id)) !== undefined;
            await store.putModel(spec);
            out.push({ ...specRow(spec), action: existed ? 'updated' : 'added' });
          }
          return out;
        }
        const spec = parseModel(fieldsFromFlags(flags));
        if (await store.getModel(spec.id)) {
          throw new AgentSchedError('model_exists', `model ${spec.id} already exists (use \`agentsched models update\`)`);
        }
        await store.putModel(spec);
        return [{ ...specRow(spec), action: 'added' }];
      });
      printRows(rows, flags.json === true);
    });

  modelOptions(models.command('update <id>').description('Change some fields of a model, keeping its live state'))
    .action(async (id: string, flags: ModelFlags) => {
      const row = await withCapacityStore(flags, async (store) => {
        const current = await store.getModel(id);
        if (!current) throw new ModelNotFoundError(id);
        const spec = parseModel({ ...current.spec, ...fieldsFromFlags(flags), id });
        await store.putModel(spec);
        return { ...specRow(spec), action: 'updated' };
      });
      printRows([row], flags.json === true);
    });

  addTableFlags(models.command('remove <id>').description('Remove a model and its capacity items'))
    .option('--force', 'remove even while requests hold slots of it')
    .action(async (id: string, flags: ModelFlags) => {
      await withCapacityStore(flags, async (store) => {
        const current = await store.getModel(id);
        if (!current) throw new ModelNotFoundError(id);
        if (current.state.inFlight > 0 && !flags.force) {
          throw new AgentSchedError('model_busy', `model ${id} has ${current.state.inFlight} request(s) in flight (use --force)`);
        }
        await store.removeModel(id);
      });
      if (flags.json) printJson({ id, removed: true });
      else process.stdout.write(`removed ${id}\n`);
    });

  addTableFlags(models.command('list').description('List the models and their static description'))
    .action(async (flags: ModelFlags) => {
      const all = await withCapacityStore(flags, (store) => store.listModels());
      if (flags.json) printJson(all.map((m) => m.spec));
      else printRows(all.map((m) => specRow(m.spec)), false);
    });

  addTableFlags(models.command('stats [id]').description('Live state: in flight, processed, latency, tokens, cooldown'))
    .action(async (id: string | undefined, flags: ModelFlags) => {
      const all = await withCapacityStore(flags, async (store) => {
        if (id === undefined) return store.listModels();
        const one = await store.getModel(id);
        if (!one) throw new ModelNotFoundError(id);
        return [one];
      });
      const now = Date.now();
      if (flags.json) printJson(all.map((m) => ({ id: m.spec.id, capacity: m.spec.capacity, shards: m.spec.shards, ...m.state })));
      else printRows(all.map((m) => statsRow(m, now)), false);
    });
}
