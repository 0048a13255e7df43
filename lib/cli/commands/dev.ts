import { Option } from 'commander';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { startLocalStack } from '../../local/stack.js';
import { startStatsServer } from '../../local/stats-server.js';
import { stderrLogger } from '../../scheduler/logger.js';
import type { LogLevel } from '../../scheduler/logger.js';
import { intArg } from './send.js';

interface DevFlags {
  config?: string;
  simulate?: boolean;
  partitions: number;
  invoke: 'in-process' | 'lambda';
  functionName: string;
  lambdaEndpoint?: string;
  callEndpoint?: string;
  logLevel: LogLevel;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  groupPrefix?: string;
  statsPort?: number;
}

/**
 * `agentsched dev`: the local event-source runner and the schedule handler against the broker in
 * KAFKA_BROKERS and the table in DYNAMODB_ENDPOINT (embedded dynalite when unset), until SIGINT or
 * SIGTERM — then in-flight batches finish, offsets are committed, and it exits 0.
 */
export function register(program: Command): void {
  program
    .command('dev')
    .description('Run the scheduler locally against Kafka (KAFKA_BROKERS) and DynamoDB (DYNAMODB_ENDPOINT) until stopped')
    .option('--config <file>', 'configuration file (default: $AGENTSCHED_CONFIG or agentsched.yaml)')
    .option('--simulate', 'serve the original demo fleet from a simulated OpenAI-compatible server')
    .option('--partitions <n>', 'partitions of each priority topic when created', intArg(1, 1_000), 3)
    .addOption(new Option('--invoke <how>', 'run the handler in this process, or call a deployed function').choices(['in-process', 'lambda']).default('in-process'))
    .option('--function-name <name>', 'deployed schedule function (with --invoke lambda)', 'agentsched-local-schedule')
    .option('--lambda-endpoint <url>', 'Lambda API endpoint, e.g. LocalStack http://127.0.0.1:4566')
    .option('--call-endpoint <url>', 'run functions/call elsewhere: an `agentsched worker` (or LocalStack) Invoke endpoint')
    .addOption(
      new Option('--starting-position <where>', 'where a new consumer group starts (TRIM_HORIZON: nothing already queued is skipped)')
        .choices(['TRIM_HORIZON', 'LATEST'])
        .default('TRIM_HORIZON'),
    )
    .option('--group-prefix <prefix>', 'consumer group prefix of the three mappings (default agentsched)')
    .option('--stats-port <port>', 'serve GET /stats (CPU time, DynamoDB calls by command) on 127.0.0.1:PORT', intArg(0, 65_535))
    .addOption(new Option('--log-level <level>', 'stderr log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .action(async (flags: DevFlags) => {
      const config = loadConfig(flags.config);
      const logger = stderrLogger(flags.logLevel, 'dev');
      const stack = await startLocalStack({
        config,
        transport: 'kafka',
        ...(flags.simulate ? { simulate: 'demo' as const } : {}),
        partitions: flags.partitions,
        startingPosition: flags.startingPosition,
        ...(flags.groupPrefix ? { groupPrefix: flags.groupPrefix } : {}),
        logger,
        ...(flags.callEndpoint ? { callEndpoint: flags.callEndpoint } : {}),
        // DynamoDB calls are counted only for the stats endpoint.
        ...(flags.statsPort !== undefined ? { overrides: { tableOps: new Map<string, number>() } } : {}),
        ...(flags.invoke === 'lambda'
          ? { lambda: { functionName: flags.functionName, ...(flags.lambdaEndpoint ? { endpoint: flags.lambdaEndpoint } : {}), region: config.dynamodb.region } }
          : {}),
      });
      if (flags.statsPort !== undefined) await startStatsServer(flags.statsPort, () => stack.deps.tableOps);
      const t = stack.config.kafka.topics;
      process.stdout.write(
        `agentsched dev: consuming ${t.high}, ${t.medium}, ${t.low} on ${stack.config.kafka.bootstrap_servers.join(',')}; ` +
          `results on ${t.results}; table ${stack.config.dynamodb.endpoint ?? 'AWS'}; ` +
          `${stack.sim ? `simulated fleet at ${stack.sim.url}` : `${stack.config.models.length} configured models`}. Ctrl-C to stop.\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          process.stdout.write(`agentsched dev: ${signal}: finishing in-flight batches…\n`);
          resolve();
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      await stack.stop();
      process.stdout.write('agentsched dev: stopped cleanly\n');
      process.exit(0);
    });
}
