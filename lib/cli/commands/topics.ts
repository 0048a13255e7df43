import type { Command } from 'commander';
import type { Config } from '../../config/schema.js';
import { loadConfig } from '../../config/load.js';
import { createKafka } from '../../kafka/client.js';
import { ensureTopics, listTopics, partitionCounts } from '../../kafka/admin.js';
import { printRows } from '../output.js';
import { intArg } from './send.js';

interface TopicFlags {
  config?: string;
  json?: boolean;
}

/** Role of each configured topic: high, medium, low, results, dead_letter. */
function roles(config: Config): Map<string, string> {
  return new Map(Object.entries(config.kafka.topics).map(([role, name]) => [name, role]));
}

function kafkaOf(config: Config): ReturnType<typeof createKafka> {
  return createKafka(config.kafka.bootstrap_servers, `${config.kafka.client_id}-cli`, { retry: { retries: 2, initialRetryTime: 200 } });
}

/** `agentsched topics create|list`. */
export function register(program: Command): void {
  const topics = program.command('topics').description('Create or list the Kafka topics AgentSched uses');

  topics
    .command('create')
    .description('Create the configured topics (high, medium, low, results, dead_letter) that do not exist yet; idempotent')
    .option('--partitions <n>', 'partitions of each new topic (the most parallel invocations per topic)', intArg(1, 10_000), 3)
    .option('--replication-factor <n>', 'replicas of each new topic', intArg(1, 100), 1)
    .option('--config <file>', 'configuration file (default: $AGENTSCHED_CONFIG or agentsched.yaml)')
    .option('--json', 'print JSON')
    .action(async (flags: TopicFlags & { partitions: number; replicationFactor: number }) => {
      const config = loadConfig(flags.config);
      const kafka = kafkaOf(config);
      const byName = roles(config);
      const names = [...byName.keys()];
      const created = new Set(
        await ensureTopics(kafka, names.map((name) => ({ name, partitions: flags.partitions, replicationFactor: flags.replicationFactor }))),
      );
      const counts = await partitionCounts(kafka, names);
      printRows(
        names.map((name) => ({ topic: name, role: byName.get(name), partitions: counts.get(name), status: created.has(name) ? 'created' : 'exists' })),
        flags.json === true,
      );
    });

  topics
    .command('list')
    .description('List topics on the cluster with their partitions and AgentSched role (request, results, reply, …)')
    .option('--all', 'include internal topics (__consumer_offsets, …)')
    .option('--config <file>', 'configuration file (default: $AGENTSCHED_CONFIG or agentsched.yaml)')
    .option('--json', 'print JSON')
    .action(async (flags: TopicFlags & { all?: boolean }) => {
      const config = loadConfig(flags.config);
      const kafka = kafkaOf(config);
      const byName = roles(config);
      const reply = new RegExp(config.kafka.reply_topic_pattern);
      const names = (await listTopics(kafka)).filter((t) => flags.all || !t.startsWith('__')).sort();
      const counts = names.length > 0 ? await partitionCounts(kafka, names) : new Map<string, number>();
      printRows(
        names.map((name) => ({ topic: name, role: byName.get(name) ?? (reply.test(name) ? 'reply' : null), partitions: counts.get(name) })),
        flags.json === true,
      );
    });
}
