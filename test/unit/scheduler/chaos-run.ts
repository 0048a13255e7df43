import { expect } from 'vitest';
import type { CapacityStore } from '../../../lib/capacity/types.js';
import type { Config } from '../../../lib/config/schema.js';
import type { AgentResult } from '../../../lib/contracts/result.js';
import type { DecodedRecord } from '../../../lib/kafka/event.js';
import { LlmCallError } from '../../../lib/llm/errors.js';
import { processBatch } from '../../../lib/scheduler/batch.js';
import type { RequestLedger } from '../../../lib/scheduler/ledger.js';
import { seeded } from '../routing/fixtures.js';
import type { Harness } from './fixtures.js';
import { harness, model, record, testConfig } from './fixtures.js';

/**
 * Randomized end-to-end runs of the scheduler's core (in-memory log; in-memory table and ledger by
 * default, so a run takes a second or two, or DynamoDB ones) under everything at once: 5xx, 429 and 4xx answers, requests sent
 * twice to different partitions, poison records, requests still claimed by invocations that died,
 * invocations that run out of time and re-publish, and Kafka outages that make a batch throw and
 * be retried. The event source is modelled as Lambda's: per partition one batch in flight, the
 * offset committed only when the handler returns. Each seed must end with every request answered
 * exactly once and no model ever over its capacity.
 */

const TOPICS = ['high_priority', 'medium_priority', 'low_priority'] as const;
const PARTITIONS = 2;

interface Partition {
  log: DecodedRecord[];
  committed: number;
}

export interface RunReport {
  h: Harness;
  /** What happened to each request, for the failure message. */
  trails: Map<string, string[]>;
  expected: Set<string>;
  poisonIds: Set<string>;
  successes: Map<string, number>;
  batches: number;
  outages: number;
  shortInvocations: number;
}

/** The capacity table and request ledger to run on (default: in memory), built for the run's config. */
export type ChaosAdapters = (config: Config) => Promise<{ store: CapacityStore; ledger: RequestLedger }>;

export async function chaosRun(seed: number, adapters?: ChaosAdapters): Promise<RunReport> {
  const rnd = seeded(seed);
  const config = testConfig([model('a', 2), model('b', 3), model('c', 1)], {
    // Odd seeds give up after two re-publications, so `capacity_unavailable` answers happen too.
    scheduler: { max_attempts: 3, backoff_base_ms: 1, backoff_max_ms: 10, republish_margin_ms: 0, max_republish: seed % 2 === 1 ? 2 : 50, aging_ms: 0 },
    capacity: { cooldown: { base_ms: 100, max_ms: 200, failure_threshold: 2 } },
  });
  const h = await harness(config, adapters ? await adapters(config) : {});
  h.deps.random = rnd;
  const trails = new Map<string, string[]>();
  const trail = (corr: string | undefined, what: string): void => {
    if (corr) trails.set(corr, [...(trails.get(corr) ?? []), what]);
  };
  const successes = new Map<string, number>();
  h.llm.behaviour = async (m, r) => {
    await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(rnd() * 15)));
    const roll = rnd();
    trail(r.correlation_id, `call ${m.id} roll ${roll.toFixed(2)}`);
    if (roll < 0.12) throw new LlmCallError('server_error', 'HTTP 503: chaos', { status: 503 });
    if (roll < 0.2) throw new LlmCallError('rate_limited', 'HTTP 429: chaos', { status: 429, retryAfterMs: 15 });
    if (roll < 0.22) throw new LlmCallError('rejected', 'HTTP 400: chaos', { status: 400 });
    successes.set(r.correlation_id, (successes.get(r.correlation_id) ?? 0) + 1);
    return { content: `${m.id}:${r.id}`, usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 }, latencyMs: 1 };
  };

  const partitions = new Map<string, Partition>();
  for (const t of TOPICS) for (let p = 0; p < PARTITIONS; p++) partitions.set(`${t}:${p}`, { log: [], committed: 0 });
  const append = (r: DecodedRecord): void => {
    const part = partitions.get(`${r.topic}:${r.partition}`)!;
    trail(r.headers['correlation_id'], `append ${r.topic}:${r.partition}@${part.log.length} attempt=${r.headers['agentsched-attempt'] ?? 0}`);
    part.log.push({ ...r, offset: String(part.log.length) });
  };

  const expected = new Set<string>();
  const poisonIds = new Set<string>();
  for (let i = 0; i < 45; i++) {
    const priority = (['high', 'medium', 'low'] as const)[Math.floor(rnd() * 3)]!;
    const corr = `s${seed}-r${i}`;
    const r = record({ id: `task-${i}`, priority, correlation_id: corr, token_count: 5 }, { partition: Math.floor(rnd() * PARTITIONS) });
    expected.add(corr);
    append(r);
    // An agent that sent the same request twice: another partition, maybe another moment.
    if (rnd() < 0.15) append({ ...r, partition: (r.partition + 1) % PARTITIONS });
    // A request an invocation claimed and then died holding.
    // Most such claims lapse soon; some outlast a short invocation, which must re-publish the request.
    if (rnd() < 0.1) await h.ledger.claim({ id: `task-${i}`, correlationId: corr }, `dead-${i}`, rnd() < 0.7 ? 30 + Math.floor(rnd() * 150) : 1_200 + Math.floor(rnd() * 800));
    if (rnd() < 0.06) {
      const poisonCorr = `s${seed}-poison${i}`;
      poisonIds.add(poisonCorr);
      append(record('{"id": "broken", "priority": ', { topic: r.topic, partition: r.partition, headers: { correlation_id: poisonCorr } }));
    }
  }

  let seenPublished = 0;
  let batches = 0;
  let outages = 0;
  let shortInvocations = 0;
  /** Re-published requests go back to the end of their partition's log. */
  const collectRepublished = (): void => {
    const published = h.publisher.published;
    for (; seenPublished < published.length; seenPublished++) {
      const out = published[seenPublished]!;
      if (!(TOPICS as readonly string[]).includes(out.topic)) continue;
      append({
        topic: out.topic,
        partition: Math.floor(rnd() * PARTITIONS),
        offset: '0',
        timestamp: Date.now(),
        key: out.key == null ? null : Buffer.from(out.key),
        value: Buffer.from(out.value),
        headers: { ...(out.headers ?? {}) },
      });
    }
  };

  let running = 0;
  /** Done when every log is consumed and no batch is in flight (none can re-publish any more). */
  const drained = (): boolean => running === 0 && [...partitions.values()].every((p) => p.committed >= p.log.length);
  const consume = async (key: string): Promise<void> => {
    const part = partitions.get(key)!;
    for (;;) {
      collectRepublished();
      if (part.committed >= part.log.length) {
        if (drained()) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      const batch = part.log.slice(part.committed, part.committed + 1 + Math.floor(rnd() * 8));
      batches += 1;
      // Some invocations have little time left and must re-publish what they cannot start.
      const end = rnd() < 0.2 ? Date.now() + 1_000 + Math.floor(rnd() * 150) : Infinity;
      if (end !== Infinity) shortInvocations += 1;
      if (rnd() < 0.05) {
        outages += 1;
        h.publisher.failNext(1);
      }
      running += 1;
      const n = batches;
      for (const r of batch) trail(r.headers['correlation_id'], `batch ${n} ${key}@${r.offset} ${end === Infinity ? 'long' : 'short'}`);
      try {
        const summary = await processBatch(batch, h.deps, { remainingMs: () => end - Date.now() });
        for (const r of batch) trail(r.headers['correlation_id'], `batch ${n} done ${JSON.stringify(summary)}`);
        part.committed += batch.length;
      } catch (err) {
        for (const r of batch) trail(r.headers['correlation_id'], `batch ${n} threw ${(err as Error).message}`);
        // The event source retries the same batch (offset not committed).
        await new Promise((resolve) => setTimeout(resolve, 5));
      } finally {
        running -= 1;
        collectRepublished();
      }
    }
  };
  await Promise.all([...partitions.keys()].map(consume));
  collectRepublished();
  return { h, trails, expected, poisonIds, successes, batches, outages, shortInvocations };
}

/** Every request answered exactly once, one successful call per completed one, capacity never exceeded. */
export async function checkChaosRun({ h, trails, expected, poisonIds, successes }: RunReport): Promise<void> {
  const results = h.results();
  const byCorrelation = new Map<string, AgentResult[]>();
  for (const r of results) byCorrelation.set(r.correlation_id, [...(byCorrelation.get(r.correlation_id) ?? []), r]);
  const missing: unknown[] = [];
  for (const c of [...expected, ...poisonIds].filter((x) => !byCorrelation.has(x))) {
    const id = `task-${c.split('-r')[1] ?? ''}`;
    missing.push({ c, ledger: await h.ledger.peek({ id, correlationId: c }), trail: trails.get(c) });
  }
  const twice = [...byCorrelation].filter(([, rs]) => rs.length > 1).map(([c]) => c);
  expect({ missing, twice }).toEqual({ missing: [], twice: [] });
  expect([...byCorrelation.keys()].sort()).toEqual([...expected, ...poisonIds].sort());
  for (const c of poisonIds) expect(byCorrelation.get(c)![0]).toMatchObject({ status: 'failed', error: { code: 'invalid_request' } });
  // A completed request was answered by exactly one successful model call.
  for (const r of results.filter((x) => x.status === 'completed')) expect(successes.get(r.correlation_id)).toBe(1);
  for (const [c, n] of successes) expect({ c, n }).toEqual({ c, n: 1 });
  // Every failed result has its dead letter (no request here runs past its deadline).
  const letters = h.deadLetters().map((l) => l['correlation_id']);
  for (const r of results.filter((x) => x.status === 'failed')) expect({ c: r.correlation_id, code: r.error?.code, lettered: letters.includes(r.correlation_id) }).toEqual({ c: r.correlation_id, code: r.error?.code, lettered: true });
  for (const [id, cap] of [['a', 2], ['b', 3], ['c', 1]] as const) {
    expect(h.llm.peak.get(id) ?? 0).toBeLessThanOrEqual(cap);
    const m = await h.store.getModel(id);
    expect({ id, inFlight: m?.state.inFlight, leases: m?.state.liveLeases }).toEqual({ id, inFlight: 0, leases: 0 });
  }
  // The run did exercise what it is about: model calls that completed requests (the batch count
  // varies with the random batch sizes, so it is not asserted).
  expect(results.some((r) => r.status === 'completed')).toBe(true);
  expect(h.llm.calls.length).toBeGreaterThanOrEqual(successes.size);
}
