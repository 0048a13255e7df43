import type { Kafka } from 'kafkajs';
import { startEmbeddedDynamo } from '../capacity/embedded.js';
import type { EmbeddedDynamo } from '../capacity/embedded.js';
import type { Config } from '../config/schema.js';
import { PRIORITIES } from '../contracts/request.js';
import { ensureTopics } from '../kafka/admin.js';
import { createKafka } from '../kafka/client.js';
import { KafkajsPublisher } from '../kafka/kafkajs-publisher.js';
import type { RecordPublisher } from '../kafka/publisher.js';
import { InMemoryMetrics } from '../metrics/recorder.js';
import type { SchedulerDeps, SchedulerLogger } from '../scheduler/deps.js';
import { silentLogger } from '../scheduler/deps.js';
import { createSchedulerDeps } from '../scheduler/factory.js';
import { dispatch } from '../scheduler/dispatch.js';
import { createInProcessCallRunner, createScheduleHandler } from '../scheduler/handler.js';
import { sweep } from '../scheduler/sweep.js';
import { InProcessCallInvoker, LambdaCallInvoker } from './call-invoker.js';
import { startSimServer } from '../sim/server.js';
import type { SimModelOptions } from '../sim/types.js';
import type { SimServer } from '../sim/server.js';
import { simModelConfigs, DEMO_FLEET } from '../sim/fleet.js';
import type { DemoModel } from '../sim/fleet.js';
import { InProcessInvoker, LambdaInvoker } from './invoker.js';
import type { Invoker } from './invoker.js';
import { createSourceKafka, KafkaEventSource } from './kafka-source.js';
import { MemoryLog } from './memory-log.js';
import { MemoryEventSource } from './memory-source.js';
import { EventSourceRunner } from './runner.js';
import type { MappingOptions } from './runner.js';
import type { EventSource } from './source.js';

export interface LocalStackOptions {
  config: Config;
  /** `kafka`: the brokers of `config.kafka`; `memory`: an in-process log standing in for the broker. */
  transport: 'kafka' | 'memory';
  /** Serve these models from a simulated OpenAI-compatible server (replacing `config.models`). */
  simulate?: readonly DemoModel[] | 'demo';
  /** Extra options for every simulated model (latency, faults). */
  simOptions?: Partial<SimModelOptions>;
  /** Lambda timeout the in-process invocations get (default 14 min, the Kafka maximum). */
  invocationTimeoutMs?: number;
  /** Partitions of each priority topic when the stack creates them (default 3). */
  partitions?: number;
  /** Consumer group prefix of the three mappings (default `agentsched`). */
  groupPrefix?: string;
  startingPosition?: MappingOptions['startingPosition'];
  /**
   * Ring `functions/call` through the Lambda Invoke API at this endpoint (an `agentsched worker`, or
   * LocalStack) instead of running it in this process.
   */
  callEndpoint?: string;
  /** Invoke a deployed function through the Lambda API (LocalStack) instead of in-process. */
  lambda?: { functionName: string; endpoint?: string; region?: string };
  /**
   * How often the stand-in for the scheduled reaper runs (sweep: expired leases, requests of dead
   * calls; then a dispatch as a backstop for cooled-down models). Default 2 s; 0 = never.
   */
  reapEveryMs?: number;
  logger?: SchedulerLogger;
  /** Replaces pieces of the scheduler (tests). */
  overrides?: Partial<SchedulerDeps>;
}

export interface LocalStack {
  config: Config;
  deps: SchedulerDeps;
  /** Runs `functions/call` in this process. */
  calls: InProcessCallInvoker;
  metrics: InMemoryMetrics;
  runner: EventSourceRunner;
  /** Publishes into the same broker (or in-process log) the stack consumes. */
  publisher: RecordPublisher;
  /** Present with `transport: 'memory'`. */
  log?: MemoryLog;
  /** Present with `transport: 'kafka'`. */
  kafka?: Kafka;
  sim?: SimServer;
  /** Stops fetching, finishes in-flight batches, commits, then closes everything it started. */
  stop(): Promise<void>;
}

/**
 * The whole system in one process: the event-source runner (Kafka or in-process), the schedule and call
 * handlers, the capacity table and wait queue (DynamoDB at `config.dynamodb.endpoint`, or an
 * embedded dynalite when none is set), and optionally a simulated fleet. Used by `npm start`,
 * `agentsched dev`, the end-to-end tests and the benchmarks.
 */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    let config: Config = structuredClone(opts.config);
    let sim: SimServer | undefined;
    if (opts.simulate) {
      const fleet = opts.simulate === 'demo' ? DEMO_FLEET : opts.simulate;
      sim = await startSimServer({ port: 0, models: fleet.map(({ supportedTasks: _t, ...m }) => ({ ...m, ...opts.simOptions })) });
      closers.push(() => sim!.close());
      config = { ...config, models: simModelConfigs(sim.url, fleet) };
    }
    let embedded: EmbeddedDynamo | undefined;
    if (!config.dynamodb.endpoint) {
      embedded = await startEmbeddedDynamo();
      closers.push(() => embedded!.close());
      config = { ...config, dynamodb: { ...config.dynamodb, endpoint: embedded.endpoint } };
    }

    const topics = config.kafka.topics;
    const partitions = opts.partitions ?? 3;
    let log: MemoryLog | undefined;
    let kafka: Kafka | undefined;
    let publisher: RecordPublisher;
    let source: EventSource;
    if (opts.transport === 'memory') {
      log = new MemoryLog();
      for (const p of PRIORITIES) log.createTopic(topics[p], partitions);
      log.createTopic(topics.results, 1);
      log.createTopic(topics.dead_letter, 1);
      publisher = log.publisher();
      source = new MemoryEventSource(log);
    } else {
      kafka = createKafka(config.kafka.bootstrap_servers, config.kafka.client_id);
      await ensureTopics(kafka, [
        ...PRIORITIES.map((p) => ({ name: topics[p], partitions })),
        { name: topics.results, partitions: 1 },
        { name: topics.dead_letter, partitions: 1 },
      ]);
      const kafkaPublisher = new KafkajsPublisher(kafka);
      publisher = kafkaPublisher;
      closers.push(() => kafkaPublisher.close());
      // A client of its own, with patient retries: its consumers ride out a broker outage (SOURCE_RETRY).
      source = new KafkaEventSource(createSourceKafka(config.kafka.bootstrap_servers, config.kafka.client_id), config.kafka.bootstrap_servers);
    }

    const metrics = new InMemoryMetrics();
    const calls = new InProcessCallInvoker({ logger: opts.logger ?? silentLogger });
    const remote = opts.callEndpoint ? new LambdaCallInvoker({ functionName: 'agentsched-call', endpoint: opts.callEndpoint, region: config.dynamodb.region }) : undefined;
    if (remote) closers.push(() => Promise.resolve(remote.close()));
    const deps = createSchedulerDeps(config, {
      publisher,
      metrics,
      logger: opts.logger ?? silentLogger,
      calls: remote ?? calls,
      ...opts.overrides,
    });
    // `functions/call` runs in this process on the same dependencies, as Lambda would run it.
    calls.bind(createInProcessCallRunner(deps));
    await deps.store.ensureTable();
    await deps.queue.ensureTable();
    for (const m of config.models) await deps.store.putModel(m);
    closers.push(() => deps.close?.() ?? Promise.resolve());

    const invoker: Invoker = opts.lambda
      ? new LambdaInvoker(opts.lambda)
      : new InProcessInvoker(createScheduleHandler(deps), opts.invocationTimeoutMs ? { timeoutMs: opts.invocationTimeoutMs } : {});
    const prefix = opts.groupPrefix ?? 'agentsched';
    const runner = new EventSourceRunner({
      mappings: PRIORITIES.map((p) => ({
        name: `schedule-${p}`,
        topics: [topics[p]],
        groupId: `${prefix}-${p}`,
        batchSize: config.kafka.batch_size,
        batchWindowMs: config.kafka.batch_window_ms,
        startingPosition: opts.startingPosition ?? 'TRIM_HORIZON',
      })),
      source,
      invoker,
      retry: { baseMs: 200, maxMs: 5_000 },
      onError: (error, ctx) => (opts.logger ?? silentLogger).warn('batch failed; retrying', { ...ctx, error: error.message }),
    });
    await runner.start();

    const reapEvery = opts.reapEveryMs ?? 2_000;
    const housekeeping = async (): Promise<void> => {
      await sweep(deps);
      await dispatch(deps);
    };
    const reaper = reapEvery > 0 && !opts.lambda ? setInterval(() => void housekeeping().catch(() => undefined), reapEvery) : undefined;
    reaper?.unref();

    let stopped: Promise<void> | undefined;
    return {
      config,
      deps,
      calls,
      metrics,
      runner,
      publisher,
      ...(log ? { log } : {}),
      ...(kafka ? { kafka } : {}),
      ...(sim ? { sim } : {}),
      stop: () =>
        (stopped ??= (async () => {
          if (reaper) clearInterval(reaper);
          await runner.stop();
          // Calls in flight finish (bounded); whatever is cut short lapses and is recovered by the next run.
          await calls.idle(30_000);
          await closeAll();
        })()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
