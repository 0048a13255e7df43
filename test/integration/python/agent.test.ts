import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/load.js';
import { deleteTopics } from '../../../lib/kafka/admin.js';
import { createKafka } from '../../../lib/kafka/client.js';
import { startLocalStack } from '../../../lib/local/stack.js';
import { serviceEnv, uniqueName } from '../support/services.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function runPython(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['test/python/agent.py', '--requests', '24', '--timeout', '60'], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', (err) =>
      reject(new Error(`cannot run python3 (${err.message}); install the agent's dependencies with: pip install -r test/python/requirements.txt`)),
    );
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('A Python agent written like the original demo (confluent-kafka)', () => {
  it('gets every answer from the scheduler over the real broker, unchanged', async () => {
    const { kafkaBrokers, dynamodbEndpoint } = serviceEnv();
    const prefix = `${uniqueName('py')}.`;
    const topics = { high: `${prefix}high_priority`, medium: `${prefix}medium_priority`, low: `${prefix}low_priority`, results: `${prefix}results`, dead_letter: `${prefix}dead_letter` };
    const config = parseConfig(
      {
        kafka: { bootstrap_servers: kafkaBrokers, client_id: prefix.slice(0, -1), topics, batch_window_ms: 50 },
        models: [{ id: 'placeholder', endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation'], capacity: 1 }],
        capacity: { table: `${prefix}capacity`, requests_table: `${prefix}requests`, queue_table: `${prefix}queue` },
        dynamodb: { endpoint: dynamodbEndpoint },
      },
      'python-agent-test',
    );
    const stack = await startLocalStack({ config, transport: 'kafka', simulate: 'demo', partitions: 1, groupPrefix: prefix });
    cleanups.push(async () => {
      await stack.stop();
      await deleteTopics(createKafka(kafkaBrokers, `${prefix}cleanup`), Object.values(topics)).catch(() => undefined);
    });

    const { code, stdout, stderr } = await runPython({ BOOTSTRAP_SERVERS: kafkaBrokers.join(','), TOPIC_PREFIX: prefix });
    const lines = stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>;
    expect({ code, summary, stderr: code === 0 ? '' : stderr }).toMatchObject({
      code: 0,
      summary: { sent: 24, answered: 24, completed: 24, missing: 0, duplicates: 0, fields_match: true },
    });
  });
});
