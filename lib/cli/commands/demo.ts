import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig, parseConfig } from '../../config/load.js';
import { runDemo } from '../../local/demo.js';
import { intArg } from './send.js';

interface DemoFlags {
  requests: number;
  intervalMs: number;
  timeoutMs: number;
  config?: string;
  simulate?: boolean;
  json?: boolean;
}

/**
 * `agentsched demo` (what `npm start` runs): the original demo end to end on embedded defaults.
 * Without `--config` the original's three models are simulated; with a configuration naming real
 * endpoints (and API-key references) those are called, unless `--simulate` is given.
 */
export function register(program: Command): void {
  program
    .command('demo')
    .description('Run the original demo end to end: no broker, no cloud account, no API key needed (what `npm start` runs)')
    .option('--requests <n>', 'requests to send', intArg(1, 100_000), 30)
    .option('--interval-ms <ms>', 'pause between requests', intArg(0, 60_000), 50)
    .option('--timeout-ms <ms>', 'give up on an answer after', intArg(1, 3_600_000), 60_000)
    .option('--config <file>', 'configuration naming real models (default: the simulated demo fleet)')
    .option('--simulate', 'serve the demo fleet from the simulator even with --config')
    .option('--json', 'print the final report as JSON on the last line')
    .addHelpText('after', '\nKAFKA_BROKERS set: runs on that broker. DYNAMODB_ENDPOINT set: uses that table endpoint, else embedded dynalite.')
    .action(async (flags: DemoFlags) => {
      const simulate = flags.simulate === true || flags.config === undefined;
      const config = flags.config
        ? loadConfig(flags.config)
        : existsSync(DEFAULT_CONFIG_FILE)
          ? loadConfig(DEFAULT_CONFIG_FILE)
          : parseConfig({ models: [{ id: 'placeholder', endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation'], capacity: 1 }] }, 'defaults', process.env);
      const report = await runDemo({ config, requests: flags.requests, intervalMs: flags.intervalMs, timeoutMs: flags.timeoutMs, simulate });
      if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      process.exitCode = report.unanswered === 0 ? 0 : 1;
    });
}
