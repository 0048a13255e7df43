import type { Logger } from '@aws-lambda-powertools/logger';
import type { SchedulerLogger } from './deps.js';

/** Structured JSON logs through Powertools (Lambda). */
export function powertoolsLogger(logger: Logger): SchedulerLogger {
  return {
    debug: (m, extra) => logger.debug(m, extra ?? {}),
    info: (m, extra) => logger.info(m, extra ?? {}),
    warn: (m, extra) => logger.warn(m, extra ?? {}),
    error: (m, extra) => logger.error(m, extra ?? {}),
  };
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LEVELS)[number];

/** One line per entry on stderr (local runs); entries below `level` are dropped. */
export function stderrLogger(level: LogLevel = 'warn', prefix = 'agentsched'): SchedulerLogger {
  const min = LEVELS.indexOf(level);
  const write = (l: LogLevel) => (message: string, extra?: Record<string, unknown>): void => {
    if (LEVELS.indexOf(l) < min) return;
    process.stderr.write(`[${prefix}] ${l}: ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
