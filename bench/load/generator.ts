// Load generator process: `node --import tsx bench/load/generator.ts --plan FILE --out FILE`.
// Sends requests in the original agents' wire format (JSON body + `correlation_id` header) to the
// priority topics at the plan's (Poisson) arrival times, consumes `results`, and writes one JSON
// line per measured request. Stdout lines for the harness: `ready`, `start <epoch ms>`, `done <json>`.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Message } from 'kafkajs';
import { createKafka } from '../../lib/kafka/client.js';
import { PlanSchema, PRIORITY_NAMES, readJsonFile, ResultFieldsSchema, TASKS } from './records.js';
import type { LoadRecord, Plan } from './records.js';

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) throw new Error(`generator: --${name} is required`);
  return v;
}

interface Tracked {
  rec: LoadRecord;
  first?: string;
  warmup: boolean;
}

const CONTENT = ['How does the internet work?', 'Summarize the main points of climate change.', 'Explain recursion to a child.'];

function message(id: string, cid: string, priority: string, task: string, n: number): Message {
  const content = CONTENT[n % CONTENT.length]!;
  const body = { id, task_type: task, priority, content, token_count: Math.ceil(content.length / 4), correlation_id: cid, model_id: null, status: null };
  return { value: JSON.stringify(body), headers: { correlation_id: cid } };
}

async function main(): Promise<void> {
  const plan: Plan = readJsonFile(arg('plan'), PlanSchema);
  const out = arg('out');
  const kafka = createKafka(plan.brokers, plan.client_id, { logLevel: 'error' });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${plan.client_id}-results`, maxWaitTimeInMs: 50 });
  const byCid = new Map<string, Tracked>();
  let answered = 0;
  let warmAnswered = 0;
  let lastAnswer = now();

  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [plan.topics.results], fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message: m }) => {
      const at = now();
      const raw = m.value?.toString('utf8') ?? '';
      let parsed: ReturnType<typeof ResultFieldsSchema.safeParse>;
      try {
        parsed = ResultFieldsSchema.safeParse(JSON.parse(raw));
      } catch {
        return Promise.resolve();
      }
      if (!parsed.success) return Promise.resolve();
      const t = byCid.get(parsed.data.correlation_id);
      if (!t) return Promise.resolve();
      t.rec.copies += 1;
      if (t.rec.copies === 1) {
        t.first = raw;
        t.rec.recv = at;
        t.rec.status = parsed.data.status;
        t.rec.llm_ms = parsed.data.llm_ms ?? null;
        if (t.warmup) warmAnswered += 1;
        else answered += 1;
        lastAnswer = at;
      } else if (raw !== t.first) {
        t.rec.identical = false;
      }
      return Promise.resolve();
    },
  });
  await joined;

  const topicOf = (p: number): string => plan.topics[PRIORITY_NAMES[p]!];
  const track = (i: number, p: number, phase: number, warmup: boolean): { cid: string; id: string } => {
    const cid = randomUUID();
    const rec: LoadRecord = { i, cid, priority: PRIORITY_NAMES[p]!, phase, sent: now(), recv: null, status: null, llm_ms: null, copies: 0, identical: true };
    byCid.set(cid, { rec, warmup });
    return { cid, id: `${warmup ? 'warmup' : 'task'}_${i}` };
  };

  // Warm-up: one request per priority at a time until `warmup` are answered.
  for (let w = 0; w < plan.warmup; w++) {
    const p = w % 3;
    const { cid, id } = track(w, p, -1, true);
    await producer.send({ topic: topicOf(p), messages: [message(id, cid, PRIORITY_NAMES[p]!, TASKS[0], w)] });
  }
  const warmDeadline = now() + plan.warmup_timeout_ms;
  while (warmAnswered < plan.warmup) {
    if (now() > warmDeadline) throw new Error(`generator: only ${warmAnswered}/${plan.warmup} warm-up requests answered in ${plan.warmup_timeout_ms} ms`);
    await sleep(50);
  }
  process.stdout.write('ready\n');

  const measured: Tracked[] = [];
  const sends: Promise<void>[] = [];
  const t0 = now();
  process.stdout.write(`start ${Math.round(t0)}\n`);
  let next = 0;
  const arrivals = plan.arrivals;
  while (next < arrivals.length) {
    await sleep(t0 + arrivals[next]![0] - now());
    const due = new Map<string, Message[]>();
    const batch: Tracked[] = [];
    const at = now();
    while (next < arrivals.length && t0 + arrivals[next]![0] <= at) {
      const [, p, task, phase] = arrivals[next]!;
      const { cid, id } = track(next, p, phase, false);
      const t = byCid.get(cid)!;
      measured.push(t);
      batch.push(t);
      const list = due.get(topicOf(p)) ?? [];
      list.push(message(id, cid, PRIORITY_NAMES[p]!, TASKS[task]!, next));
      due.set(topicOf(p), list);
      next += 1;
    }
    sends.push(
      producer
        .sendBatch({ topicMessages: [...due].map(([topic, messages]) => ({ topic, messages })) })
        .then(() => undefined)
        .catch((err: unknown) => {
          for (const t of batch) t.rec.send_error = String((err as Error)?.message ?? err);
        }),
    );
  }
  await Promise.all(sends);
  const sendEnd = now();
  const sent = measured.filter((t) => t.rec.send_error === undefined).length;
  lastAnswer = Math.max(lastAnswer, sendEnd);
  while (answered < sent && now() - lastAnswer < plan.drain_idle_ms && now() - sendEnd < plan.drain_max_ms) await sleep(100);
  // A moment for late duplicates of the last answers.
  await sleep(500);

  writeFileSync(out, measured.map((t) => JSON.stringify(t.rec)).join('\n') + '\n');
  process.stdout.write(`done ${JSON.stringify({ sent, answered, send_end: Math.round(sendEnd), drain_ms: Math.round(now() - sendEnd) })}\n`);
  await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
