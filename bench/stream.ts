// `npm run bench -- stream [--runs N] [--tokens N] [--token-ms MS]`: time to first token and total of
// streamed answers, measured by the openai SDK against `agentsched gateway` → Kafka → scheduler →
// simulated fleet streaming N tokens (default 50) at MS (default 20) each. Prints JSON. Uses
// KAFKA_BROKERS / DYNAMODB_ENDPOINT when set (the real services), else the in-process log and dynalite.
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { AgentSchedClient } from '../lib/client/client.js';
import { MemoryClientTransport } from '../lib/client/memory-transport.js';
import { parseConfig } from '../lib/config/load.js';
import { startGateway } from '../lib/gateway/server.js';
import { deleteTopics } from '../lib/kafka/admin.js';
import { startLocalStack } from '../lib/local/stack.js';

function arg(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  const n = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)]! * 10) / 10;
}

export async function run(argv: string[]): Promise<unknown> {
  const runs = arg(argv, 'runs', 5);
  const tokens = arg(argv, 'tokens', 50);
  const tokenMs = arg(argv, 'token-ms', 20);
  const id = `bench-stream-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  const transport = process.env['KAFKA_BROKERS'] ? 'kafka' : 'memory';
  const config = parseConfig(
    {
      kafka: {
        ...(process.env['KAFKA_BROKERS'] ? { bootstrap_servers: process.env['KAFKA_BROKERS'].split(',') } : {}),
        client_id: id,
        topics: { high: `${id}.high`, medium: `${id}.medium`, low: `${id}.low`, results: `${id}.results`, dead_letter: `${id}.dlq` },
        batch_window_ms: 0,
      },
      models: [{ id: 'placeholder', endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation'], capacity: 1 }],
      capacity: { table: `${id}-capacity`, requests_table: `${id}-requests`, queue_table: `${id}-queue` },
      ...(process.env['DYNAMODB_ENDPOINT'] ? { dynamodb: { endpoint: process.env['DYNAMODB_ENDPOINT'] } } : {}),
    },
    'bench',
  );
  const stack = await startLocalStack({ config, transport, simulate: 'demo', simOptions: { latencyMs: 50, perTokenMs: tokenMs, jitter: 0 }, groupPrefix: id, reapEveryMs: 0 });
  const client = await AgentSchedClient.connect({ config: stack.config, clientId: id, ...(stack.log ? { transport: new MemoryClientTransport(stack.log) } : {}) });
  const gateway = await startGateway({ client, config: stack.config, port: 0 });
  const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const ttft: number[] = [];
  const total: number[] = [];
  let chunks = 0;
  try {
    for (let i = 0; i < runs + 1; i++) {
      const t0 = performance.now();
      let first: number | undefined;
      let n = 0;
      const stream = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `stream ${i}` }], max_tokens: tokens, stream: true });
      for await (const chunk of stream) {
        if (!chunk.choices[0]?.delta.content) continue;
        first ??= performance.now() - t0;
        n += 1;
      }
      if (i === 0) continue; // warm-up: connections, topic metadata
      ttft.push(first ?? Number.NaN);
      total.push(performance.now() - t0);
      chunks += n;
    }
  } finally {
    await gateway.close();
    await client.close();
    await stack.stop();
    if (stack.kafka) {
      const t = stack.config.kafka.topics;
      await deleteTopics(stack.kafka, [t.high, t.medium, t.low, t.results, t.dead_letter, client.replyTopic]).catch(() => undefined);
    }
  }
  return {
    bench: 'stream',
    transport,
    runs,
    sim: { tokens, token_ms: tokenMs, prefill_ms: 50 },
    ttft_ms: { median: median(ttft), all: ttft.map((v) => Math.round(v)) },
    total_ms: { median: median(total), all: total.map((v) => Math.round(v)) },
    sse_content_chunks_per_answer: Math.round((chunks / runs) * 10) / 10,
  };
}
