// The load side of a drill: sends the planned requests at their times (retrying a send until the
// broker takes it, as an agent would), consumes `results` and `dead_letter`, and records per
// request what came back: copies, whether each copy is byte-identical to the first, the
// redelivery flag, dead letters.
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { z } from 'zod';
import { createKafka } from '../../lib/kafka/client.js';
import { addressable, isPoison, requestMessage } from './messages.js';
import type { Outcome, PlannedRequest } from './types.js';

const ResultFields = z.object({ correlation_id: z.string(), status: z.string(), error: z.object({ code: z.string() }).nullish() }).loose();
const DeadLetterFields = z.object({ correlation_id: z.string().nullable(), request_id: z.string().nullable() }).loose();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Patient client retries: the harness must outlive the outages it injects. */
const PATIENT = { initialRetryTime: 300, maxRetryTime: 2_000, retries: 1_000 };

export interface LoadTopics {
  high: string;
  medium: string;
  low: string;
  results: string;
  dead_letter: string;
}

interface Tracked {
  out: Outcome;
  first?: string;
  firstFlagged?: boolean;
}

/** JSON with every object's keys sorted: equal for two encodings of the same value. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Top-level fields whose values differ between two result bodies. */
function differingFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

/** A result without its (long) content, for the diagnostics. */
function brief(o: Record<string, unknown>): Record<string, unknown> {
  const { content, ...rest } = o;
  return { ...rest, content_chars: typeof content === 'string' ? content.length : null };
}

export class LoadSession {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly consumer: Consumer;
  private readonly byCid = new Map<string, Tracked>();
  private readonly byId = new Map<string, Tracked>();
  private readonly measured: Tracked[] = [];
  private lastProgress = Date.now();
  sendErrors = 0;
  /** Crashes of the harness's own consumer (kafkajs restarts it): a drill that loses answers says so. */
  consumerCrashes = 0;

  constructor(
    brokers: string[],
    private readonly clientId: string,
    private readonly topics: LoadTopics,
  ) {
    this.kafka = createKafka(brokers, clientId, { logLevel: 'nothing', retry: PATIENT, requestTimeoutMs: 10_000 });
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false, retry: PATIENT });
    this.consumer = this.kafka.consumer({ groupId: `${clientId}-drill`, maxWaitTimeInMs: 50, retry: PATIENT });
  }

  async start(): Promise<void> {
    const joined = new Promise<void>((resolve) => this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()));
    this.consumer.on(this.consumer.events.CRASH, () => {
      this.consumerCrashes += 1;
    });
    await Promise.all([this.producer.connect(), this.consumer.connect()]);
    await this.consumer.subscribe({ topics: [this.topics.results, this.topics.dead_letter], fromBeginning: true });
    await this.consumer.run({
      eachMessage: ({ topic, message }) => {
        const raw = message.value?.toString('utf8') ?? '';
        const flagged = message.headers?.['agentsched-redelivery'] !== undefined;
        if (topic === this.topics.dead_letter) this.onDeadLetter(raw);
        else this.onResult(raw, flagged);
        return Promise.resolve();
      },
    });
    await joined;
  }

  private parse<T>(raw: string, schema: z.ZodType<T>): T | undefined {
    try {
      const r = schema.safeParse(JSON.parse(raw));
      return r.success ? r.data : undefined;
    } catch {
      return undefined;
    }
  }

  private onResult(raw: string, flagged: boolean): void {
    const r = this.parse(raw, ResultFields);
    const t = r && this.byCid.get(r.correlation_id);
    if (!r || !t) return;
    t.out.copies += 1;
    if (flagged) t.out.flagged += 1;
    if (t.out.copies === 1) {
      t.first = raw;
      t.firstFlagged = flagged;
      t.out.answeredAt = Date.now();
      t.out.status = r.status;
      t.out.code = r.error?.code ?? null;
      this.lastProgress = Date.now();
    } else if (raw !== t.first) {
      const first = JSON.parse(t.first ?? '{}') as Record<string, unknown>;
      const copy = JSON.parse(raw) as Record<string, unknown>;
      // A re-published copy is the stored answer's own bytes: even the same fields in another order
      // is a difference (counted apart, to tell a re-encoding from another answer).
      if (canonical(first) === canonical(copy)) t.out.reencoded += 1;
      t.out.identical = false;
      t.out.differs ??= { fields: differingFields(first, copy), first_flagged: t.firstFlagged ?? false, copy_flagged: flagged, first: brief(first), copy: brief(copy) };
    }
  }

  private onDeadLetter(raw: string): void {
    const d = this.parse(raw, DeadLetterFields);
    if (!d) return;
    const t = (d.correlation_id ? this.byCid.get(d.correlation_id) : undefined) ?? (d.request_id ? this.byId.get(d.request_id) : undefined);
    if (!t) return;
    t.out.deadLetters += 1;
    this.lastProgress = Date.now();
  }

  private track(req: PlannedRequest, measured: boolean): { id: string; cid: string; t: Tracked } {
    const cid = randomUUID();
    const id = `${measured ? 'drill' : 'warmup'}_${randomUUID().slice(0, 8)}`;
    const t: Tracked = { out: { id, cid, priority: req.priority, kind: req.kind, sent: Date.now(), answeredAt: null, status: null, code: null, copies: 0, identical: true, reencoded: 0, flagged: 0, deadLetters: 0 } };
    this.byCid.set(cid, t);
    this.byId.set(id, t);
    if (measured) this.measured.push(t);
    return { id, cid, t };
  }

  /** Sends until the broker takes it (a drill's outage must not turn into a request never sent). */
  private async sendRetrying(topic: string, req: PlannedRequest, id: string, cid: string, n: number): Promise<void> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await this.producer.send({ topic, messages: [requestMessage(req, id, cid, n)] });
        return;
      } catch (err: unknown) {
        this.sendErrors += 1;
        if (Date.now() > deadline) throw new Error(`drill load: could not send for 120 s: ${(err as Error).message}`);
        await sleep(500);
      }
    }
  }

  /** One request per priority at a time until each is answered (the scheduler's groups have joined). */
  async warmUp(timeoutMs: number): Promise<void> {
    const warm = (['high', 'medium', 'low'] as const).map((priority) => {
      const req: PlannedRequest = { at: 0, priority, kind: 'valid' };
      const { id, cid, t } = this.track(req, false);
      return { req, id, cid, t };
    });
    await Promise.all(warm.map((w, n) => this.sendRetrying(this.topics[w.req.priority], w.req, w.id, w.cid, n)));
    const deadline = Date.now() + timeoutMs;
    while (warm.some((w) => w.t.out.copies === 0)) {
      if (Date.now() > deadline) throw new Error(`drill load: warm-up requests not answered within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** Sends the plan (times relative to now); resolves when every request was taken by the broker. */
  async send(plan: readonly PlannedRequest[], onStart: (t0: number) => void): Promise<number> {
    const t0 = Date.now();
    onStart(t0);
    const sends: Promise<void>[] = [];
    for (let n = 0; n < plan.length; n++) {
      const req = plan[n]!;
      await sleep(t0 + req.at - Date.now());
      const { id, cid } = this.track(req, true);
      sends.push(this.sendRetrying(this.topics[req.priority], req, id, cid, n));
    }
    await Promise.all(sends);
    return Date.now();
  }

  /** Every measured request has what it can get: an answer when addressable, a dead letter when poison. */
  private complete(): boolean {
    return this.measured.every((t) => (!addressable(t.out.kind) || t.out.copies > 0) && (!isPoison(t.out.kind) || t.out.deadLetters > 0));
  }

  /** Waits until complete, or nothing new came for `idleMs`, or `maxMs` passed; then `settleMs` for late copies. */
  async drain(idleMs: number, maxMs: number, settleMs: number): Promise<void> {
    const start = Date.now();
    this.lastProgress = Math.max(this.lastProgress, start);
    while (!this.complete() && Date.now() - this.lastProgress < idleMs && Date.now() - start < maxMs) await sleep(100);
    await sleep(settleMs);
  }

  outcomes(): Outcome[] {
    return this.measured.map((t) => ({ ...t.out }));
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.consumer.disconnect(), this.producer.disconnect()]);
  }

  get id(): string {
    return this.clientId;
  }
}
