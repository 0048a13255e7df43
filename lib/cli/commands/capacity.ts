import type { Command } from 'commander';
import { createDynamoClient } from '../../capacity/dynamo-client.js';
import { DynamoCapacityStore } from '../../capacity/dynamo-store.js';
import { optionsFromConfig } from '../../capacity/options.js';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { printJson } from '../output.js';

/** Flags every capacity-table command takes. */
export interface TableFlags {
  config?: string;
  json?: boolean;
}

/**
 * Runs `fn` with the capacity store the configuration describes (`--config FILE`, else
 * AGENTSCHED_CONFIG, else agentsched.yaml; DYNAMODB_ENDPOINT and CAPACITY_TABLE override), and
 * closes the client afterwards so the command exits at once.
 */
export async function withCapacityStore<T>(
  flags: TableFlags,
  fn: (store: DynamoCapacityStore, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig(flags.config);
  const client = createDynamoClient(config.dynamodb);
  try {
    return await fn(new DynamoCapacityStore(client, config.capacity.table, optionsFromConfig(config)), config);
  } finally {
    client.destroy();
  }
}

export function addTableFlags(command: Command): Command {
  return command
    .option('-c, --config <file>', 'configuration file (default: $AGENTSCHED_CONFIG or agentsched.yaml)')
    .option('--json', 'print JSON (for scripts) instead of a table');
}

/** `agentsched capacity reap`: reclaims expired leases once (what functions/reaper does every minute). */
export function register(program: Command): void {
  const capacity = program.command('capacity').description('Operate on the capacity table');
  addTableFlags(
    capacity
      .command('reap')
      .description('Reclaim the slots of expired leases (holders that died), each exactly once'),
  ).action(async (flags: TableFlags) => {
    const result = await withCapacityStore(flags, (store) => store.reap());
    if (flags.json) printJson(result);
    else process.stdout.write(`reclaimed ${result.reclaimed} expired lease(s) across ${result.models} model(s)\n`);
  });
}
