import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { demoSimModels } from '../../sim/fleet.js';
import { startSimServer } from '../../sim/server.js';
import type { SimModelOptions } from '../../sim/types.js';

interface SimFlags {
  port: number;
  host: string;
  model: string;
  capacity: number;
  latencyMs: number;
  perTokenMs: number;
  jitter: number;
  failRate: number;
  rateLimitRate: number;
  retryAfter: number;
  stallRate: number;
  stallMs: number;
  apiKey?: string;
  demoFleet?: boolean;
}

function number(kind: 'int' | 'float', min: number, max = Number.POSITIVE_INFINITY) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n)) || n < min || n > max) {
      throw new InvalidArgumentError(`expected ${kind === 'int' ? 'an integer' : 'a number'} in ${min}..${max}`);
    }
    return n;
  };
}

/** Flags that shape latency and faults: applied to every demo model when given explicitly. */
const TUNING: ReadonlyArray<[keyof SimFlags, keyof SimModelOptions]> = [
  ['latencyMs', 'latencyMs'],
  ['perTokenMs', 'perTokenMs'],
  ['jitter', 'jitter'],
  ['failRate', 'failRate'],
  ['rateLimitRate', 'rateLimitRate'],
  ['retryAfter', 'retryAfterS'],
  ['stallRate', 'stallRate'],
  ['stallMs', 'stallMs'],
];

function modelsFrom(flags: SimFlags, given: (flag: keyof SimFlags) => boolean): SimModelOptions[] {
  if (!flags.demoFleet) {
    return [{
      id: flags.model,
      capacity: flags.capacity,
      latencyMs: flags.latencyMs,
      perTokenMs: flags.perTokenMs,
      jitter: flags.jitter,
      failRate: flags.failRate,
      rateLimitRate: flags.rateLimitRate,
      retryAfterS: flags.retryAfter,
      stallRate: flags.stallRate,
      stallMs: flags.stallMs,
    }];
  }
  if (given('capacity') || given('model')) throw new InvalidArgumentError('--demo-fleet sets its own models and capacities');
  const overrides: Partial<SimModelOptions> = {};
  for (const [flag, option] of TUNING) {
    if (given(flag)) Object.assign(overrides, { [option]: flags[flag] });
  }
  return demoSimModels(overrides);
}

/** `agentsched sim`: a simulated OpenAI-compatible fleet that counts capacity violations. */
export function register(program: Command): void {
  program
    .command('sim')
    .description('Run a simulated OpenAI-compatible server (capacity-limited, with latency and fault injection)')
    .option('--port <port>', 'port to listen on (0 = any free port)', number('int', 0, 65_535), 8100)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--model <id>', 'id of the simulated model (any requested name maps to it)', 'sim-model')
    .option('--capacity <n>', 'concurrent requests before 429 + a counted violation', number('int', 1), 4)
    .option('--latency-ms <ms>', 'prefill latency per request', number('float', 0), 150)
    .option('--per-token-ms <ms>', 'latency per completion token (with stream: true, the delay between streamed tokens)', number('float', 0), 2)
    .option('--jitter <fraction>', 'relative latency jitter, 0..1', number('float', 0, 1), 0.1)
    .option('--fail-rate <rate>', 'probability of an HTTP 500', number('float', 0, 1), 0)
    .option('--rate-limit-rate <rate>', 'probability of an HTTP 429 with Retry-After', number('float', 0, 1), 0)
    .option('--retry-after <s>', 'Retry-After seconds sent with 429s', number('float', 0), 1)
    .option('--stall-rate <rate>', 'probability of holding a request --stall-ms before answering', number('float', 0, 1), 0)
    .option('--stall-ms <ms>', 'how long a stalled request is held', number('float', 0), 30_000)
    .option('--api-key <key>', 'require this bearer token (401 otherwise)')
    .option('--demo-fleet', 'serve the demo fleet: gpt-3.5 (5), gpt-4-turbo (3), gpt-4-o (10)')
    .addHelpText('after', '\nStats: GET <url without /v1>/stats, reset: POST /stats/reset, faults: POST /faults.\nPrints the base URL (ending in /v1) as the first line of stdout and runs until SIGINT/SIGTERM.')
    .action(async (flags: SimFlags, command: Command) => {
      const given = (flag: keyof SimFlags): boolean => command.getOptionValueSource(flag) === 'cli';
      const models = modelsFrom(flags, given);
      const server = await startSimServer({
        port: flags.port,
        host: flags.host,
        models,
        ...(flags.apiKey === undefined ? {} : { apiKey: flags.apiKey }),
      });
      process.stdout.write(`${server.url}\n`);
      const described = models.map((m) => `${m.id} (capacity ${m.capacity})`).join(', ');
      process.stderr.write(`agentsched sim: serving ${described}; stats at ${server.url.replace(/\/v1$/, '')}/stats\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.close();
    });
}
