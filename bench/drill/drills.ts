// The eight drills of `npm run drill`: each a fault a production fleet meets, injected mid-run.
import { demoSimModels } from '../../lib/sim/fleet.js';
import type { Drill, FaultWindow, RequestKind } from './types.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A completed answer is the only one that fits a fault the scheduler must ride out. */
const completedOnly = (_kind: RequestKind, status: string): boolean => status === 'completed';

/** The failures a model fault may end a request with once its attempts are spent. */
const MODEL_FAILURES = new Set(['model_error', 'timeout', 'rate_limited', 'capacity_unavailable']);

/** A window around `fn`: from just before the fault until it is cleared. */
async function window(fn: () => Promise<number | void>): Promise<FaultWindow> {
  const start = Date.now();
  const end = await fn();
  return { start, end: typeof end === 'number' ? end : Date.now() };
}

const POISON: RequestKind[] = ['poison_json', 'poison_types', 'poison_large', 'poison_binary', 'poison_no_correlation'];

export const DRILLS: readonly Drill[] = [
  {
    name: 'kill-scheduler',
    summary: 'SIGKILL `agentsched dev` (the Kafka-triggered function, calls in-process) mid-batch; restart 1 s later',
    fleet: () => demoSimModels({ latencyMs: 300 }),
    fits: completedOnly,
    inject: (stack) => window(() => stack.killDev(1_000)),
  },
  {
    name: 'kill-call',
    summary: 'SIGKILL the `agentsched worker` running functions/call with calls in flight; restart 1 s later',
    worker: true,
    fleet: () => demoSimModels({ latencyMs: 1_000 }),
    fits: completedOnly,
    inject: (stack) => window(() => stack.killWorker(1_000)),
  },
  {
    name: 'broker-down',
    summary: 'stop Kafka for 10 s (scripts/services stop/start, a broker of the drill\'s own) and bring it back',
    needs: { kafka: 'own' },
    fleet: () => demoSimModels(),
    fits: completedOnly,
    inject: (stack) =>
      window(async () => {
        await stack.own.kafka!.stop();
        await sleep(10_000);
        await stack.own.kafka!.start();
      }),
  },
  {
    name: 'table-down',
    summary: 'stop DynamoDB Local for 5 s (scripts/services stop/start, a table of the drill\'s own) and bring it back',
    needs: { dynamodb: 'own' },
    fleet: () => demoSimModels(),
    fits: completedOnly,
    inject: (stack) =>
      window(async () => {
        await stack.own.dynamodb!.stop();
        await sleep(5_000);
        await stack.own.dynamodb!.start();
      }),
  },
  {
    name: 'table-silent',
    summary: 'a proxy in front of DynamoDB Local accepts connections and never answers for 5 s',
    needs: { dynamodb: 'proxy' },
    fleet: () => demoSimModels(),
    fits: completedOnly,
    inject: (stack) =>
      window(async () => {
        stack.proxy!.silence();
        await sleep(5_000);
        stack.proxy!.restore();
      }),
  },
  {
    name: 'model-faults',
    summary: 'gpt-3.5 answers 30 % HTTP 500, gpt-4-turbo stalls half its calls past its 1 s timeout, gpt-4-o answers 20 % 429 Retry-After 1 s',
    fleet: () => demoSimModels(),
    faults: {
      'gpt-3.5': { failRate: 0.3 },
      'gpt-4-turbo': { stallRate: 0.5, stallMs: 5_000 },
      'gpt-4-o': { rateLimitRate: 0.2, retryAfterS: 1 },
    },
    config: [[['models', '1', 'timeout_ms'], 1_000]],
    record: 'gpt-4-o',
    fits: (_kind, status, code) => status === 'completed' || (code !== null && MODEL_FAILURES.has(code)),
    extra: (m) => ({ retry_after_honoured: m.earlyAfter429 === 0 }),
  },
  {
    name: 'poison',
    summary: '5 % of records invalid JSON, wrong types, 2 MB content, binary junk, no correlation id: failed result + dead letter each',
    fleet: () => demoSimModels(),
    kind: (i) => (i % 20 === 10 ? POISON[Math.floor(i / 20) % POISON.length]! : 'valid'),
    fits: (kind, status, code) => (kind === 'valid' ? status === 'completed' : status === 'failed' && code === 'invalid_request'),
  },
  {
    name: 'overload-deadlines',
    summary: '5× the fleet\'s bound (1 s calls), a third with timeout_ms 400: those fail deadline_exceeded (a model call only when started in time), the rest complete',
    fleet: () => demoSimModels({ latencyMs: 1_000, perTokenMs: 0, jitter: 0 }),
    // 18 slots of 1 s calls: 18 requests/s is the bound.
    rate: () => 90,
    kind: (i) => (i % 3 === 0 ? 'short_deadline' : 'valid'),
    fits: (kind, status, code) => status === 'completed' || (kind === 'short_deadline' && code === 'deadline_exceeded'),
    extra: (m) => {
      const completed = m.outcomes.filter((o) => o.status === 'completed').length;
      const expired = m.outcomes.filter((o) => o.code === 'deadline_exceeded').length;
      // Every model call the fleet saw (counted from the end of the warm-up) either completed a
      // request, or was a request started with the little time it had left (README "Deadlines")
      // and cut at its deadline; the rest of the expired ones never reached a model.
      const cut = m.sim.requests - completed;
      return { calls_only_for_completed_or_started_in_time: m.sim.completed === completed && cut >= 0 && cut <= expired };
    },
  },
];

export const DRILL_NAMES = DRILLS.map((d) => d.name);
