import { z } from 'zod';
import { PRIORITIES, TaskTypeSchema, TopicNameSchema } from '../contracts/request.js';
import { KafkaSecuritySchema } from './kafka-security.js';

/** Where a model's API key comes from. The key itself never appears in configuration. */
export const ApiKeyRefSchema = z.union([
  z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name') }).strict(),
  z.object({ secret: z.string().min(1).describe('AWS Secrets Manager secret name or ARN') }).strict(),
  z.object({ ssm: z.string().min(1).describe('AWS SSM parameter name (SecureString is decrypted)') }).strict(),
  z.object({ none: z.literal(true) }).strict(),
]);
export type ApiKeyRef = z.infer<typeof ApiKeyRefSchema>;

/** Static description of one LLM endpoint the scheduler may use. */
export const ModelConfigSchema = z
  .object({
    id: z.string().min(1).max(128).regex(/^[A-Za-z0-9._:/-]+$/, 'letters, digits and . _ : / - only'),
    endpoint: z.url().describe('OpenAI-compatible base URL, e.g. http://vllm-1:8000/v1'),
    model: z.string().min(1).optional().describe('Model name sent upstream; defaults to id'),
    supported_tasks: z.array(TaskTypeSchema).min(1),
    capacity: z.number().int().min(1).max(100_000).describe('Max concurrent requests'),
    weight: z.number().positive().default(1),
    cost_per_1k_tokens: z.number().min(0).default(0),
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    api_key: ApiKeyRefSchema.default({ none: true }),
    shards: z.number().int().min(1).max(64).default(1).describe('Capacity items; see README "Hot items"'),
    timeout_ms: z.number().int().positive().optional(),
  })
  .strict();
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
export type ModelConfigInput = z.input<typeof ModelConfigSchema>;

export const STRATEGIES = ['round_robin', 'weighted', 'least_loaded', 'latency', 'cost', 'affinity'] as const;
export const StrategySchema = z.enum(STRATEGIES);
export type Strategy = z.infer<typeof StrategySchema>;

const shares = z
  .object({
    high: z.number().gt(0).max(1).default(1),
    medium: z.number().gt(0).max(1).default(1),
    low: z.number().gt(0).max(1).default(1),
  })
  .strict()
  .refine((s) => s.high >= s.medium && s.medium >= s.low, { message: 'shares must not increase as priority falls' });

const topics = z
  .object({
    high: TopicNameSchema.default('high_priority'),
    medium: TopicNameSchema.default('medium_priority'),
    low: TopicNameSchema.default('low_priority'),
    results: TopicNameSchema.default('results'),
    dead_letter: TopicNameSchema.default('dead_letter'),
  })
  .strict();

export const ConfigSchema = z
  .object({
    kafka: z
      .object({
        bootstrap_servers: z.array(z.string().min(1)).min(1).default(['localhost:9092']),
        client_id: z.string().default('agentsched'),
        topics: topics.prefault({}),
        /** Agents may only name reply topics matching this regex. */
        reply_topic_pattern: z
          .string()
          .default('^agent[._-][A-Za-z0-9._-]+$')
          .refine((p) => { try { new RegExp(p); return true; } catch { return false; } }, 'not a valid regular expression'),
        batch_size: z.number().int().min(1).max(10_000).default(100),
        /** How long the local runner waits to fill a batch (the mappings' `maximumBatchingWindow`): 0 adds no waiting. */
        batch_window_ms: z.number().int().min(0).max(300_000).default(0),
        /** TLS / SASL of the functions' Kafka clients (README "Deploy to AWS"). */
        security: KafkaSecuritySchema.default({ auth: 'none' }),
      })
      .strict()
      .prefault({}),
    /** The original's agent list (informational: which agent normally uses which model). */
    agents: z.array(z.object({ id: z.string(), model: z.string().optional() }).loose()).default([]),
    models: z.array(ModelConfigSchema).min(1).refine((ms) => new Set(ms.map((m) => m.id)).size === ms.length, 'model ids must be unique'),
    scaling: z
      .object({
        min: z.number().int().min(0).default(1),
        max: z.number().int().min(1).default(10),
        scaling_factor: z.number().positive().default(1.5),
      })
      .strict()
      .refine((s) => s.min <= s.max, { message: 'min must not exceed max' })
      .prefault({}),
    load_balancing: z
      .object({
        strategy: StrategySchema.default('least_loaded'),
        /** Affinity: how far above the average load an endpoint may go before a session moves. */
        affinity_load_factor: z.number().min(1).default(1.25),
      })
      .strict()
      .prefault({}),
    connection_pool: z
      .object({
        max_connections: z.number().int().min(1).default(100),
        timeout: z.number().positive().default(30).describe('Per-call timeout, seconds'),
      })
      .strict()
      .prefault({}),
    capacity: z
      .object({
        table: z.string().min(3).max(255).default('agentsched-capacity'),
        /** Retired with the request ledger (the wait queue now records each request); accepted and unused. */
        requests_table: z.string().min(3).max(255).default('agentsched-requests'),
        /**
         * The wait queue: one item per request (id + correlation id) from registration until its answer
         * is published, so a redelivery is never run or answered twice (lib/queue/README.md).
         */
        queue_table: z.string().min(3).max(255).default('agentsched-queue'),
        priority_shares: shares.prefault({}),
        /** A slot lease lasts this long and is renewed while its call runs: how long a dead holder keeps a slot. */
        lease_ttl_ms: z.number().int().min(1_000).default(10_000),
        cooldown: z
          .object({
            failure_threshold: z.number().int().min(1).default(3),
            base_ms: z.number().int().min(100).default(5_000),
            max_ms: z.number().int().min(100).default(60_000),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    dynamodb: z
      .object({
        endpoint: z.url().optional(),
        region: z.string().default('us-east-1'),
        /** How the stores reach the tables: `lean` signed JSON requests (default), or the AWS SDK client. */
        client: z.enum(['lean', 'sdk']).default('lean'),
      })
      .strict()
      .prefault({}),
    /**
     * Endpoints of the other AWS APIs the functions call (LocalStack: http://localhost.localstack.cloud:4566).
     * Unset = the SDK's own resolution (AWS, or AWS_ENDPOINT_URL[_<SERVICE>]).
     */
    aws: z
      .object({
        lambda_endpoint: z.url().optional(),
        secrets_endpoint: z.url().optional().describe('Secrets Manager and SSM'),
        /** How long a secret or parameter read is reused by a container, seconds. */
        secrets_max_age_s: z.number().int().min(0).default(300),
      })
      .strict()
      .prefault({}),
    scheduler: z
      .object({
        max_attempts: z.number().int().min(1).max(20).default(3),
        default_timeout_ms: z.number().int().positive().default(300_000),
        backoff_base_ms: z.number().int().min(0).default(200),
        backoff_max_ms: z.number().int().min(0).default(5_000),
        /** Stop waiting for slots this long before the invocation's time runs out, and re-publish. */
        republish_margin_ms: z.number().int().min(0).default(10_000),
        max_republish: z.number().int().min(0).default(100),
        /** Each such wait counts as one priority level in the queue's order (starvation guard, lib/queue/key.ts); 0 = strict priority. */
        aging_ms: z.number().int().min(0).default(30_000),
        /**
         * A model call's claim on its request in the ledger lasts this long and is renewed while the
         * call runs: the longest a crashed holder keeps a redelivered request waiting.
         */
        claim_ttl_ms: z.number().int().min(1_000).default(10_000),
        /** Partition keys of the wait queue (each takes ~1,000 writes/s; lib/queue/README.md). Fixed once items exist. */
        queue_shards: z.number().int().min(1).max(64).default(1),
        /** Log prompt text (off by default: prompts may hold personal data). */
        log_prompts: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export { PRIORITIES };
