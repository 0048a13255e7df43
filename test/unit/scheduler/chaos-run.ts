import { expect } from 'vitest';
import type { CapacityStore } from '../../../lib/capacity/types.js';
import type { Config } from '../../../lib/config/schema.js';
import type { AgentResult } from '../../../lib/contracts/result.js';
import type { DecodedRecord } from '../../../lib/kafka/event.js';
import { LlmCallError } from '../../../lib/llm/errors.js';
import type { InProcessCallInvoker } from '../../../lib/local/call-invoker.js';
import type { WorkQueue } from '../../../lib/queue/types.js';
import { admitBatch } from '../../../lib/scheduler/admit.js';
import type { CallEvent, CallInvoker } from '../../../lib/scheduler/call-event.js';
import { dispatch } from '../../../lib/scheduler/dispatch.js';
import { sweep } from '../../../lib/scheduler/sweep.js';
import { seeded } from '../routing/fixtures.js';
import type { Harness } from './fixtures.js';
import { harness, model, record, testConfig } from './fixtures.js';

/**
 * Randomized runs of the whole new shape (admission → wait queue → dispatch → call → hand-off →
 * sweep) on in-memory adapters by default (or DynamoDB ones), under everything at once: 5xx, 429
 * and 4xx answers, requests sent twice to different partitions, poison records, doorbells (async
 * invokes of `call`) that never ring or ring twice, and Kafka outages that make a batch throw and be
 * retried or a call die after storing its answer. The event source is modelled as Lambda's: per
 * partition one batch in flight, the offset committed only when the handler returns; a housekeeping
 * loop plays the reaper. Each seed must end with every request answered exactly once (a second copy
 * only as a flagged, identical redelivery), one successful model call per completed request, and no
 * model ever over its capacity.
 */

const TOPICS = ['high_priority', 'medium_priority', 'low_priority'] as const;
const PARTITIONS = 2;
const CAPACITY = { a: 2, b: 3, c: 1 } as const;

interface Partition {
  log: DecodedRecord[];
  committed: number;
}

export interface RunReport {
  h: Harness;
  expected: Set<string>;
  poisonIds: Set<string>;
  successes: Map<string, number>;
  faults: { dropped: number; doubled: number; outages: number };
}

/** The capacity table and wait queue to run on (default: in memory), built for the run's config. */
export type ChaosAdapters = (config: Config) => Promise<{ store: CapacityStore; queue: WorkQueue }>;

/** Rings `call` zero, one or two times per event, as Lambda's async invoke may. */
function chaosCalls(inner: InProcessCallInvoker, rnd: () => number, faults: RunReport['faults']): CallInvoker {
  return {
    mayDuplicate: true,
    async invoke(event: CallEvent): Promise<void> {
      const roll = rnd();
      if (roll < 0.05) {
        faults.dropped += 1;
        return;
      }
      await inner.invoke(event);
      if (roll < 0.12) {
        faults.doubled += 1;
        await inner.invoke(event);
      }
    },
  };
}

export async function chaosRun(seed: number, adapters?: ChaosAdapters): Promise<RunReport> {
  const rnd = seeded(seed);
  const config = testConfig([model('a', CAPACITY.a), model('b', CAPACITY.b), model('c', CAPACITY.c)], {
    scheduler: { max_attempts: 4, backoff_base_ms: 1, backoff_max_ms: 10, republish_margin_ms: 0, aging_ms: 0, claim_ttl_ms: 1_000 },
    capacity: { lease_ttl_ms: 1_000, cooldown: { base_ms: 100, max_ms: 200, failure_threshold: 2 } },
  });
  const faults = { dropped: 0, doubled: 0, outages: 0 };
  const h = await harness(config, { ...(adapters ? await adapters(config) : {}), wrapCalls: (inner) => chaosCalls(inner, rnd, faults) });
  h.deps.random = rnd;
  const successes = new Map<string, number>();
  h.llm.behaviour = async (m, r) => {
    await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(rnd() * 15)));
    const roll = rnd();
    if (roll < 0.12) throw new LlmCallError('server_error', 'HTTP 503: chaos', { status: 503 });
    if (roll < 0.2) throw new LlmCallError('rate_limited', 'HTTP 429: chaos', { status: 429, retryAfterMs: 15 });
    if (roll < 0.22) throw new LlmCallError('rejected', 'HTTP 400: chaos', { status: 400 });
    // Kafka goes away just as this call's answer is about to be published.
    if (roll < 0.26) {
      faults.outages += 1;
      h.publisher.failNext(1);
    }
    successes.set(r.correlation_id, (successes.get(r.correlation_id) ?? 0) + 1);
    return { content: `${m.id}:${r.id}`, usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 }, latencyMs: 1 };
  };

  const partitions = new Map<string, Partition>();
  for (const t of TOPICS) for (let p = 0; p < PARTITIONS; p++) partitions.set(`${t}:${p}`, { log: [], committed: 0 });
  const append = (r: DecodedRecord): void => {
    const part = partitions.get(`${r.topic}:${r.partition}`)!;
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
    // An agent that sent the same request twice: another partition.
    if (rnd() < 0.15) append({ ...r, partition: (r.partition + 1) % PARTITIONS });
    if (rnd() < 0.06) {
      const poisonCorr = `s${seed}-poison${i}`;
      poisonIds.add(poisonCorr);
      append(record('{"id": "broken", "priority": ', { topic: r.topic, partition: r.partition, headers: { correlation_id: poisonCorr } }));
    }
  }

  const answered = (): boolean => {
    const got = new Set(h.results().map((r) => r.correlation_id));
    return [...expected, ...poisonIds].every((c) => got.has(c));
  };
  const consume = async (key: string): Promise<void> => {
    const part = partitions.get(key)!;
    while (part.committed < part.log.length) {
      const batch = part.log.slice(part.committed, part.committed + 1 + Math.floor(rnd() * 8));
      if (rnd() < 0.05) {
        faults.outages += 1;
        h.publisher.failNext(1);
      }
      try {
        await admitBatch(batch, h.deps, { remainingMs: () => 60_000 });
        part.committed += batch.length;
      } catch {
        // The event source retries the same batch (offset not committed).
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };
  // The reaper's part: sweep what dead calls left, then dispatch.
  let housekeeping = true;
  const reaper = (async () => {
    while (housekeeping) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await sweep(h.deps).catch(() => undefined);
      await dispatch(h.deps).catch(() => undefined);
    }
  })();
  await Promise.all([...partitions.keys()].map(consume));
  const until = Date.now() + 45_000;
  // Done when every request has its answer and nothing is left to publish (a dead letter that
  // failed after its result went out is sent again by the sweep: keep sweeping until it is).
  const settled = async (): Promise<boolean> =>
    answered() && h.calls.running === 0 && (await h.queue.lapsed(Date.now() + 60_000, 10)).length === 0;
  while (!(await settled()) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  housekeeping = false;
  await reaper;
  await h.idle();
  // Leases of calls that died lapse within the lease TTL: the reaper's last job.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await h.store.reap();
  return { h, expected, poisonIds, successes, faults };
}

/** Every request answered exactly once, one successful call per completed one, capacity never exceeded. */
export async function checkChaosRun({ h, expected, poisonIds, successes }: RunReport): Promise<void> {
  const copies = new Map<string, { result: AgentResult; redelivery: boolean }[]>();
  for (const p of h.publisher.published.filter((x) => x.topic === h.deps.config.kafka.topics.results)) {
    const result = JSON.parse(p.value.toString()) as AgentResult;
    copies.set(result.correlation_id, [...(copies.get(result.correlation_id) ?? []), { result, redelivery: p.headers?.['agentsched-redelivery'] === '1' }]);
  }
  const missing = [...expected, ...poisonIds].filter((c) => !copies.has(c));
  expect({ missing }).toEqual({ missing: [] });
  expect([...copies.keys()].sort()).toEqual([...expected, ...poisonIds].sort());
  // A second copy exists only where a publisher died mid-publish: flagged, and the same answer.
  for (const [c, list] of copies) {
    const [first, ...rest] = list;
    for (const copy of rest) {
      expect({ c, redelivery: copy.redelivery, status: copy.result.status, content: copy.result.content, model: copy.result.model_id }).toEqual({
        c, redelivery: true, status: first!.result.status, content: first!.result.content, model: first!.result.model_id,
      });
    }
  }
  const results = [...copies.values()].map((list) => list[0]!.result);
  for (const c of poisonIds) expect(copies.get(c)![0]!.result).toMatchObject({ status: 'failed', error: { code: 'invalid_request' } });
  // A completed request was answered by exactly one successful model call.
  for (const r of results.filter((x) => x.status === 'completed')) expect({ c: r.correlation_id, n: successes.get(r.correlation_id) }).toEqual({ c: r.correlation_id, n: 1 });
  for (const [c, n] of successes) expect({ c, n }).toEqual({ c, n: 1 });
  // Every failed result has its dead letter (no request here runs past its deadline).
  const letters = h.deadLetters().map((l) => l['correlation_id']);
  for (const r of results.filter((x) => x.status === 'failed')) expect({ c: r.correlation_id, lettered: letters.includes(r.correlation_id) }).toEqual({ c: r.correlation_id, lettered: true });
  for (const [id, cap] of Object.entries(CAPACITY)) {
    expect(h.llm.peak.get(id) ?? 0).toBeLessThanOrEqual(cap);
    const m = await h.store.getModel(id);
    expect({ id, inFlight: m?.state.inFlight, leases: m?.state.liveLeases }).toEqual({ id, inFlight: 0, leases: 0 });
  }
  // Nothing is left waiting, running or unpublished.
  expect(await h.queue.depth()).toEqual({ high: 0, medium: 0, low: 0 });
  expect(await h.queue.lapsed(Date.now() + 60_000, 10)).toEqual([]);
  expect(results.some((r) => r.status === 'completed')).toBe(true);
}
