// One drill, start to end: its stack, warm-up, the steady send phase with the fault injected
// mid-run, the wait for answers, and the after-run checks.
import { startSilentProxy } from './proxy.js';
import type { SilentProxy } from './proxy.js';
import { LoadSession } from './load.js';
import { rowOf } from './report.js';
import type { DrillRow } from './report.js';
import type { OwnServices } from './services.js';
import { startDrillStack } from './stack.js';
import type { DrillStack } from './stack.js';
import type { Drill, DrillSize, FaultWindow, Measured, PlannedRequest } from './types.js';

const PRIORITIES = ['high', 'medium', 'low'] as const;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export interface DrillEnv {
  root: string;
  shared: { brokers: string[]; dynamodb: string };
  own: { kafka?: OwnServices; dynamodb?: OwnServices };
  log: boolean;
}

/** N requests at a steady rate, priorities in turn. */
export function plan(drill: Drill, n: number, rate: number): PlannedRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    at: (i * 1000) / rate,
    priority: PRIORITIES[i % 3]!,
    kind: drill.kind?.(i, n) ?? 'valid',
  }));
}

/** Polls until no lease is live (a lease still held right after the last answer is released or expires within its TTL). */
async function settledLeftovers(stack: DrillStack, waitMs: number): Promise<{ reaped: number; leases: number; queued: number }> {
  const deadline = Date.now() + waitMs;
  let reaped = 0;
  for (;;) {
    const l = await stack.leftovers();
    reaped += l.reaped;
    if ((l.leases === 0 && l.queued === 0) || Date.now() > deadline) return { ...l, reaped };
    await sleep(1_000);
  }
}

export async function runDrill(drill: Drill, size: DrillSize, env: DrillEnv): Promise<DrillRow> {
  let proxy: SilentProxy | undefined;
  const ownTable = drill.needs?.dynamodb === 'own' ? env.own.dynamodb : undefined;
  if (drill.needs?.dynamodb === 'own' && !ownTable) throw new Error(`drill ${drill.name}: its own DynamoDB Local was not started`);
  const dynamodbDirect = ownTable?.address ?? env.shared.dynamodb;
  if (drill.needs?.dynamodb === 'proxy') {
    const u = new URL(dynamodbDirect);
    proxy = await startSilentProxy({ host: u.hostname, port: Number(u.port || 80) });
  }
  const ownBroker = drill.needs?.kafka === 'own' ? env.own.kafka : undefined;
  const endpoints = { brokers: ownBroker ? [ownBroker.address] : env.shared.brokers, dynamodb: proxy?.url ?? dynamodbDirect, dynamodbDirect };
  const stack = await startDrillStack({ root: env.root, drill, endpoints, own: { ...(ownBroker ? { kafka: ownBroker } : {}), ...(ownTable ? { dynamodb: ownTable } : {}) }, proxy, log: env.log });
  const load = new LoadSession(endpoints.brokers, stack.id, stack.topics);
  try {
    await load.start();
    await load.warmUp(120_000);
    stack.sim.reset();
    for (const [model, faults] of Object.entries(drill.faults ?? {})) stack.sim.setFaults(model, faults);
    const rate = drill.rate?.(size) ?? size.rate;
    const requests = plan(drill, size.requests, rate);
    const sendMs = requests[requests.length - 1]?.at ?? 0;
    let fault: Promise<FaultWindow | null> = Promise.resolve(null);
    let sendStart = 0;
    const sendEnd = await load.send(requests, (t0) => {
      sendStart = t0;
      const inject = drill.inject;
      if (inject) fault = sleep(sendMs * (drill.atFraction ?? 0.4)).then(() => inject(stack, size));
      else if (drill.faults) fault = Promise.resolve({ start: t0, end: null });
    });
    const window = await fault;
    // Idle 60 s: a stored answer whose publish failed goes out again after a 15 s grace, then the sweep's period.
    await load.drain(60_000, 300_000, 2_000);
    const left = await settledLeftovers(stack, 20_000);
    const simStats = stack.sim.stats();
    const outcomes = load.outcomes();
    const lostDetail = [];
    for (const x of outcomes.filter((y) => y.copies === 0 && y.kind !== 'poison_no_correlation')) {
      lostDetail.push({
        id: x.id,
        priority: x.priority,
        kind: x.kind,
        sent_after_fault_s: window ? Math.round((x.sent - window.start) / 100) / 10 : null,
        queue_state: await stack.queueState(x.id, x.cid).catch((e: unknown) => `unreadable: ${(e as Error).message}`),
      });
    }
    const lag: Record<string, number> = lostDetail.length > 0 ? await stack.lag().catch(() => ({})) : {};
    if (lostDetail.length > 0) lag['harness_consumer_crashes'] = load.consumerCrashes;
    const measured: Measured = {
      outcomes,
      fault: window,
      sendStart,
      sendEnd,
      rate,
      sim: {
        requests: simStats.requests,
        completed: simStats.completed,
        violations: simStats.violations,
        aborted: simStats.aborted,
        byModel: Object.fromEntries(Object.entries(simStats.models).map(([k, v]) => [k, { requests: v.requests, rate_limited_injected: v.rate_limited_injected }])),
      },
      // 300 ms: calls leased before the 429 was written down may still be on their way.
      earlyAfter429: stack.recorder ? stack.recorder.early(300) : null,
      leasesLeft: left.leases,
      unexpectedExits: [...stack.unexpectedExits],
      lostDetail,
      lag,
      reaped: left.reaped,
      queueLeft: left.queued,
    };
    return rowOf(drill, measured);
  } finally {
    await load.stop();
    await stack.close();
    await proxy?.close();
  }
}
