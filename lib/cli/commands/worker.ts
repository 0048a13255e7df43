import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { LambdaCallInvoker } from '../../local/call-invoker.js';
import { startCallWorker } from '../../local/call-worker.js';
import { createSchedulerDeps } from '../../scheduler/factory.js';
import { createCallHandler } from '../../scheduler/handler.js';
import { stderrLogger } from '../../scheduler/logger.js';
import type { LogLevel } from '../../scheduler/logger.js';
import { intArg } from './send.js';

interface WorkerFlags {
  config?: string;
  port: number;
  host: string;
  logLevel: LogLevel;
}

/** The function name the worker rings itself by (any name reaches it). */
const CALL_FUNCTION = 'agentsched-call';

/**
 * `agentsched worker`: `functions/call` in a process of its own behind a local Lambda Invoke
 * endpoint; `agentsched dev --call-endpoint http://127.0.0.1:<port>` sends it the calls. Calls it
 * dispatches itself (a hand-off's re-check) ring its own endpoint. Until SIGINT/SIGTERM (running
 * calls finish) or SIGKILL (they lapse; the scheduler's sweep recovers them).
 */
export function register(program: Command): void {
  program
    .command('worker')
    .description('Run functions/call in this process behind a local Lambda Invoke endpoint (for agentsched dev --call-endpoint)')
    .option('--config <file>', 'configuration file (default: $AGENTSCHED_CONFIG or agentsched.yaml)')
    .option('--port <n>', 'port of the Invoke endpoint', intArg(1, 65_535), 9400)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--log-level <level>', 'stderr log level (debug, info, warn, error)', 'info')
    .action(async (flags: WorkerFlags) => {
      const config = loadConfig(flags.config);
      const logger = stderrLogger(flags.logLevel, 'worker');
      const self = new LambdaCallInvoker({ functionName: CALL_FUNCTION, endpoint: `http://${flags.host}:${flags.port}`, region: config.dynamodb.region });
      const deps = createSchedulerDeps(config, { logger, calls: self });
      await deps.queue.ensureTable();
      const worker = await startCallWorker({ port: flags.port, host: flags.host, handler: createCallHandler(deps), logger });
      process.stdout.write(`agentsched worker: functions/call at ${worker.url} (table ${config.dynamodb.endpoint ?? 'AWS'}). Ctrl-C to stop.\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await worker.close();
      self.close();
      await deps.close?.();
      process.stdout.write('agentsched worker: stopped cleanly\n');
      process.exit(0);
    });
}
