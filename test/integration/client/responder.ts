import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Config } from '../../../lib/config/schema.js';
import { ERROR_CODES, completedResult, decodeRequest, failedResult } from '../../../lib/contracts/index.js';
import type { AgentRequest, AgentResult, ErrorCode } from '../../../lib/contracts/index.js';
import { KafkajsPublisher } from '../../../lib/kafka/kafkajs-publisher.js';
import type { OutgoingRecord } from '../../../lib/kafka/publisher.js';
import { decodeHeaders } from '../../../lib/local/consumer.js';

/**
 * A stand-in for the scheduler in client and gateway tests: reads the priority topics and answers
 * each request on its reply topic (and the results topic), steered by the prompt:
 * - `fail:<code>` answers `failed` with that error code;
 * - `slow:<ms>` answers after that long;
 * - `silent` never answers;
 * - anything else answers `completed` with `echo: <prompt>`.
 */
export interface Responder {
  /** Every request read, in order. */
  readonly seen: AgentRequest[];
  /** Every record that arrived on a priority topic, with its topic and headers. */
  readonly records: { topic: string; headers: Record<string, string> }[];
  /** Publishes an extra raw reply (tests of duplicates and garbage). */
  publishRaw(topic: string, value: string, headers?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/** The prompt: `content`, or the last message's text. */
export function promptOf(req: AgentRequest): string {
  const last = req.messages?.[req.messages.length - 1];
  if (last) return typeof last.content === 'string' ? last.content : JSON.stringify(last.content);
  return req.content;
}

/** The answer the responder gives to `req` (undefined: none). */
export function answerFor(req: AgentRequest): AgentResult | undefined {
  const prompt = promptOf(req);
  if (prompt === 'silent') return undefined;
  const fail = /^fail:(\w+)/.exec(prompt);
  if (fail) {
    const code = (ERROR_CODES as readonly string[]).includes(fail[1]!) ? (fail[1] as ErrorCode) : 'internal';
    return failedResult(req, { code, message: `responder was told to fail with ${code}`, retryable: code === 'rate_limited', field: code === 'invalid_request' ? 'content' : undefined });
  }
  const completion = `echo: ${prompt}`;
  const promptTokens = Math.ceil(prompt.length / 4);
  const completionTokens = Math.ceil(completion.length / 4);
  return completedResult(req, {
    modelId: req.model_id ?? 'test-model',
    content: completion,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    queuedMs: 1,
    llmMs: 1,
    attempts: 1,
  });
}

export async function startResponder(kafka: Kafka, config: Pick<Config, 'kafka'>): Promise<Responder> {
  const t = config.kafka.topics;
  const publisher = new KafkajsPublisher(kafka);
  const consumer = kafka.consumer({ groupId: `test-responder-${randomUUID()}`, maxWaitTimeInMs: 50, allowAutoTopicCreation: false });
  const seen: AgentRequest[] = [];
  const records: Responder['records'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const reply = (req: AgentRequest, result: AgentResult): OutgoingRecord[] => {
    const value = JSON.stringify(result);
    const headers = { correlation_id: result.correlation_id };
    const out: OutgoingRecord[] = [{ topic: t.results, key: req.correlation_id, value, headers }];
    if (req.reply_topic) out.push({ topic: req.reply_topic, key: req.correlation_id, value, headers });
    return out;
  };
  await consumer.connect();
  await consumer.subscribe({ topics: [t.high, t.medium, t.low], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now: OutgoingRecord[] = [];
      for (const m of batch.messages) {
        const headers = decodeHeaders(m.headers ?? {});
        records.push({ topic: batch.topic, headers });
        const decoded = decodeRequest(m.value ?? Buffer.alloc(0), headers);
        if (!decoded.ok) continue;
        const req = decoded.request;
        seen.push(req);
        const result = answerFor(req);
        if (!result) continue;
        const slow = /^slow:(\d+)/.exec(promptOf(req));
        if (!slow) {
          now.push(...reply(req, result));
          continue;
        }
        const timer = setTimeout(() => {
          timers.delete(timer);
          publisher.publish(reply(req, result)).catch(() => undefined);
        }, Number(slow[1]));
        timers.add(timer);
      }
      if (now.length > 0) await publisher.publish(now);
    },
  });
  return {
    seen,
    records,
    publishRaw: (topic, value, headers = {}) => publisher.publish([{ topic, value, headers }]),
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      await consumer.disconnect();
      await publisher.close();
    },
  };
}
