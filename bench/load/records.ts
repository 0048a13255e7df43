// Files shared by the harness and its child processes: the load plan (what to send, when) and the
// per-request records the load generator writes. Everything read back is checked with zod.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const PRIORITY_NAMES = ['high', 'medium', 'low'] as const;
export type PriorityName = (typeof PRIORITY_NAMES)[number];

export const TASKS = ['text_generation', 'data_processing'] as const;

/** One arrival: [ms after the start, priority index, task index, phase index]. */
const ArrivalSchema = z.tuple([z.number().min(0), z.number().int().min(0).max(2), z.number().int().min(0).max(1), z.number().int().min(0)]);
export type Arrival = z.infer<typeof ArrivalSchema>;

export const PlanSchema = z.object({
  brokers: z.array(z.string().min(1)).min(1),
  client_id: z.string().min(1),
  topics: z.object({ high: z.string(), medium: z.string(), low: z.string(), results: z.string() }),
  /** Requests sent (and answered) before the measured schedule starts: joins groups, warms JITs. */
  warmup: z.number().int().min(0),
  warmup_timeout_ms: z.number().int().positive(),
  /** After the last send: stop when all are answered, or nothing new arrived this long, or at max. */
  drain_idle_ms: z.number().int().positive(),
  drain_max_ms: z.number().int().positive(),
  arrivals: z.array(ArrivalSchema),
});
export type Plan = z.infer<typeof PlanSchema>;

/** What the generator knows about one measured request when it exits. */
export const RecordSchema = z.object({
  i: z.number().int(),
  cid: z.string(),
  priority: z.enum(PRIORITY_NAMES),
  phase: z.number().int(),
  /** Epoch ms (fractional) when handed to the producer. */
  sent: z.number(),
  /** Epoch ms of the first answer; null when none came. */
  recv: z.number().nullable(),
  status: z.string().nullable(),
  llm_ms: z.number().nullable(),
  /** Answers received for this correlation id (1 normally; > 1: duplicates). */
  copies: z.number().int().min(0),
  /** Whether every extra copy was byte-identical to the first. */
  identical: z.boolean(),
  send_error: z.string().optional(),
});
export type LoadRecord = z.infer<typeof RecordSchema>;

export function readJsonFile<T>(file: string, schema: z.ZodType<T>): T {
  return schema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export function readRecords(file: string): LoadRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => RecordSchema.parse(JSON.parse(l)));
}

/** The fields of an answer on `results` the bench needs (the full contract is lib/contracts/result.ts). */
export const ResultFieldsSchema = z.object({
  correlation_id: z.string(),
  status: z.string(),
  llm_ms: z.number().optional(),
});

/** Poisson arrivals at `ratePerS` over [fromMs, toMs): exponential gaps. */
export function poisson(ratePerS: number, fromMs: number, toMs: number, random: () => number = Math.random): number[] {
  const out: number[] = [];
  if (ratePerS <= 0) return out;
  let t = fromMs;
  for (;;) {
    t += (-Math.log(1 - random()) / ratePerS) * 1000;
    if (t >= toMs) return out;
    out.push(t);
  }
}
