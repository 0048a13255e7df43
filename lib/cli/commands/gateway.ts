import type { Command } from 'commander';
import { AgentSchedClient } from '../../client/client.js';
import { namedReplyTopic } from '../../client/reply-topic.js';
import { loadConfig } from '../../config/load.js';
import { startGateway } from '../../gateway/server.js';
import { intArg } from './send.js';

interface GatewayFlags {
  port: number;
  host: string;
  timeoutMs: number;
  config?: string;
  quiet?: boolean;
  replyTopic?: string;
  apiKeyEnv?: string;
}

/**
 * The keys callers must present, from the environment variable named by `--api-key-env` (several
 * keys comma-separated, for rotation). Never from the command line, where `ps` would show them.
 */
export function gatewayKeys(envName: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  if (envName === undefined) return undefined;
  const keys = (env[envName] ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  if (keys.length === 0) throw new Error(`--api-key-env ${envName}: the environment variable is empty or not set`);
  return keys;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** `agentsched gateway`: the OpenAI-compatible front door. */
export function register(program: Command): void {
  program
    .command('gateway')
    .description('Serve an OpenAI-compatible API (POST /v1/chat/completions, GET /v1/models) that sends requests through Kafka and the scheduler')
    .option('--port <port>', 'port to listen on (0 = any free port)', intArg(0, 65_535), 8080)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--timeout-ms <ms>', 'per-request timeout when x-agentsched-timeout-ms is absent', intArg(1, 86_400_000), 300_000)
    .option('--config <file>', 'configuration file (default: $AGENTSCHED_CONFIG or agentsched.yaml)')
    .option('--reply-topic <topic>', 'topic the answers come back on (default: agent.<kafka.client_id>.gateway; give each gateway its own)')
    .option('--quiet', 'no access log on stderr')
    .option('--api-key-env <name>', 'require "Authorization: Bearer <key>" with a key from this environment variable (comma-separated for several)')
    .addHelpText(
      'after',
      [
        '',
        'Point any openai SDK at the printed base URL (first line of stdout). `model`: a configured model id pins',
        'that model; any other name lets the scheduler route. Headers: x-agentsched-priority (high|medium|low, or',
        'a `priority` body field), x-agentsched-task-type, x-agentsched-session-id (or the body `user`),',
        'x-agentsched-timeout-ms. `stream: true` streams the tokens as SSE chunks as the model generates them.',
        'Without --api-key-env any caller that reaches the address is served: keep it on 127.0.0.1 or set a key.',
        'Uses KAFKA_BROKERS (or kafka.bootstrap_servers) and the topics of the configuration. Runs until SIGINT/SIGTERM.',
      ].join('\n'),
    )
    .action(async (flags: GatewayFlags) => {
      const config = loadConfig(flags.config);
      const apiKeys = gatewayKeys(flags.apiKeyEnv);
      if (!apiKeys && !isLoopback(flags.host)) {
        process.stderr.write(`agentsched gateway: warning: listening on ${flags.host} without --api-key-env; anyone who reaches it can use the fleet\n`);
      }
      const replyTopic = flags.replyTopic ?? namedReplyTopic(config.kafka.client_id, 'gateway');
      const client = await AgentSchedClient.connect({ config, replyTopic });
      try {
        const gateway = await startGateway({
          client,
          config,
          port: flags.port,
          host: flags.host,
          defaultTimeoutMs: flags.timeoutMs,
          ...(apiKeys ? { apiKeys } : {}),
          ...(flags.quiet ? {} : { log: (entry) => process.stderr.write(`${JSON.stringify({ source: 'gateway', ...entry })}\n`) }),
        });
        process.stdout.write(`${gateway.url}/v1\n`);
        process.stderr.write(`agentsched gateway: ${config.models.length} models, replies on ${client.replyTopic}\n`);
        await untilSignal();
        await gateway.close();
      } finally {
        await client.close();
      }
    });
}
