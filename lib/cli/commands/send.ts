import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { AgentSchedClient } from '../../client/client.js';
import { KafkaClientTransport } from '../../client/kafka-transport.js';
import { assertBrokersReachable } from '../../kafka/reachable.js';
import type { ClientRequestInput } from '../../client/build.js';
import { namedReplyTopic } from '../../client/reply-topic.js';
import { loadConfig } from '../../config/load.js';
import { PRIORITIES, TASK_TYPES } from '../../contracts/request.js';
import type { Priority, TaskType } from '../../contracts/request.js';
import { printJson } from '../output.js';

interface SendFlags {
  content: string;
  system?: string;
  priority: Priority;
  task: TaskType;
  model?: string;
  session?: string;
  maxTokens?: number;
  timeoutMs: number;
  json?: boolean;
  config?: string;
  replyTopic?: string;
}

/** A commander parser for an integer in `min..max`. */
export function intArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected an integer in ${min}..${max}`);
    return n;
  };
}

/** `agentsched send`: one request through Kafka and the scheduler; prints the answer. */
export function register(program: Command): void {
  program
    .command('send')
    .description('Send one request through Kafka and the scheduler and print the answer (exit 1 when it fails or times out)')
    .requiredOption('--content <text>', 'the prompt')
    .option('--system <text>', 'a system message sent before the prompt')
    .addOption(new Option('--priority <priority>', 'request priority').choices(PRIORITIES).default('medium'))
    .addOption(new Option('--task <type>', 'task type').choices(TASK_TYPES).default('text_generation'))
    .option('--model <id>', 'pin a configured model (default: the scheduler routes)')
    .option('--session <id>', 'session id (routing affinity)')
    .option('--max-tokens <n>', 'completion token limit', intArg(1, 1_000_000))
    .option('--timeout-ms <ms>', 'give up after this long', intArg(1, 86_400_000), 60_000)
    .option('--json', 'print the whole result as JSON')
    .option('--reply-topic <topic>', 'topic to read the answer from (default: agent.<kafka.client_id>.cli, reused by every run)')
    .option('--config <file>', 'configuration file (default: $AGENTSCHED_CONFIG or agentsched.yaml)')
    .addHelpText('after', '\nUses KAFKA_BROKERS (or kafka.bootstrap_servers) and the topics of the configuration.')
    .action(async (flags: SendFlags) => {
      const config = loadConfig(flags.config);
      const input: ClientRequestInput = { priority: flags.priority, task_type: flags.task };
      if (flags.system === undefined) input.content = flags.content;
      else input.messages = [{ role: 'system', content: flags.system }, { role: 'user', content: flags.content }];
      if (flags.model !== undefined) input.model_id = flags.model;
      if (flags.session !== undefined) input.session_id = flags.session;
      if (flags.maxTokens !== undefined) input.max_tokens = flags.maxTokens;

      const replyTopic = flags.replyTopic ?? namedReplyTopic(config.kafka.client_id, 'cli');
      // A dead broker is one clear line within seconds, not kafkajs's retries and their log lines.
      await assertBrokersReachable(config.kafka.bootstrap_servers);
      const transport = KafkaClientTransport.fromConfig(config, {
        client: { logLevel: 'nothing', connectionTimeoutMs: 2_000, retry: { initialRetryTime: 200, maxRetryTime: 1_000, retries: 2 } },
      });
      const client = new AgentSchedClient({ config, replyTopic, transport });
      try {
        const started = performance.now();
        const result = await client.request(input, { timeoutMs: flags.timeoutMs });
        const ms = Math.round(performance.now() - started);
        if (flags.json) printJson(result);
        else if (result.status === 'completed') {
          process.stdout.write(`${result.content}\n`);
          process.stderr.write(`model ${result.model_id ?? '-'}, ${result.usage?.total_tokens ?? result.token_count} tokens, ${ms} ms, correlation ${result.correlation_id}\n`);
        } else {
          process.stderr.write(`failed: ${result.error?.code ?? 'internal'}: ${result.error?.message ?? 'no message'} (correlation ${result.correlation_id})\n`);
        }
        if (result.status === 'failed') process.exitCode = 1;
      } finally {
        await client.close();
        await transport.close();
      }
    });
}
