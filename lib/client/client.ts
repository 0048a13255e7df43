import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { AgentResult } from '../contracts/result.js';
import { InvalidRequestError, toError } from '../errors/index.js';
import { PublishBatcher } from './batcher.js';
import { buildRequest, parseReply, requestRecord } from './build.js';
import type { ClientRequestInput } from './build.js';
import { ClientClosedError, RequestFailedError } from './errors.js';
import { KafkaClientTransport } from './kafka-transport.js';
import { PendingReplies } from './pending.js';
import { checkReplyTopic, defaultReplyTopic } from './reply-topic.js';
import { chunkBody, ReplyStream } from './stream.js';
import { HEADER_STREAM } from '../contracts/stream.js';
import type { ClientTransport, ReplyRecord, ReplySubscription } from './transport.js';
import type { AgentSchedClientOptions, ClientStats, DroppedReply, RequestOptions, SubmitOptions } from './options.js';

export type { AgentSchedClientOptions, ClientStats, DroppedReply, RequestOptions, SubmitOptions } from './options.js';

/** A day: the most the request contract allows as `timeout_ms` (and below Node's timer limit). */
const MAX_TIMEOUT_MS = 86_400_000;

/**
 * Request-reply over Kafka. `request()` publishes to the priority's topic with a fresh
 * `correlation_id` and the client's own `reply_topic`, and resolves with the {@link AgentResult}
 * read back from that topic. One client carries thousands of requests at once.
 *
 * A `failed` result is an answer, not an exception: `request()` resolves with it (check
 * `result.status` / `result.error`); use `requestOrThrow()` or `{ throwOnFailure: true }` to get a
 * {@link RequestFailedError}. Exceptions are for what is not an answer: a bad request
 * (InvalidRequestError, before anything is sent), RequestTimeoutError, RequestAbortedError,
 * ClientClosedError, or an InfrastructureError when the broker cannot be reached.
 */
export class AgentSchedClient {
  readonly replyTopic: string;
  private readonly config: Pick<Config, 'kafka'>;
  private readonly transport: ClientTransport;
  private readonly ownsTransport: boolean;
  private readonly pending: PendingReplies;
  private readonly batcher: PublishBatcher;
  private readonly defaultTimeoutMs: number;
  private readonly deleteOnClose: boolean;
  private readonly newId: () => string;
  private readonly onDropped: ((dropped: DroppedReply) => void) | undefined;
  private readonly streams = new Map<string, ReplyStream>();
  private readonly counters = { sent: 0, publishFailures: 0, completed: 0, failed: 0, closedPending: 0, invalid: 0 };
  private starting: Promise<void> | undefined;
  private subscription: ReplySubscription | undefined;
  private createdTopic = false;
  private closing = false;
  private closed: Promise<void> | undefined;

  constructor(opts: AgentSchedClientOptions) {
    this.config = opts.config;
    this.replyTopic = opts.replyTopic ?? defaultReplyTopic(opts.clientId ?? opts.config.kafka.client_id);
    checkReplyTopic(this.replyTopic, opts.config);
    this.ownsTransport = opts.transport === undefined;
    this.transport = opts.transport ?? KafkaClientTransport.fromConfig(opts.config);
    this.pending = new PendingReplies(opts.timers);
    this.batcher = new PublishBatcher((records) => this.transport.publish(records), opts.batching);
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 120_000;
    this.deleteOnClose = opts.deleteReplyTopicOnClose ?? false;
    this.newId = opts.newId ?? randomUUID;
    this.onDropped = opts.onDroppedReply;
  }

  /** A started client: its reply topic exists and is being read. */
  static async connect(opts: AgentSchedClientOptions): Promise<AgentSchedClient> {
    const client = new AgentSchedClient(opts);
    try {
      await client.start();
    } catch (err: unknown) {
      await client.close();
      throw err;
    }
    return client;
  }

  /**
   * Creates the reply topic if needed and starts reading it; resolves once a reply can no longer
   * be missed. Idempotent; `request()` calls it, so calling it first only moves the wait earlier.
   */
  start(): Promise<void> {
    if (this.closing) return Promise.reject(new ClientClosedError());
    this.starting ??= this.subscribe().catch((err: unknown) => {
      this.starting = undefined; // the next request tries again
      throw err;
    });
    return this.starting;
  }

  /** Sends one request and resolves with its result (completed or failed). See the class notes. */
  async request(input: ClientRequestInput, opts: RequestOptions = {}): Promise<AgentResult> {
    if (this.closing) throw new ClientClosedError();
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    if (!(timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) throw new RangeError(`timeoutMs must be in 1..${MAX_TIMEOUT_MS}, got ${timeoutMs}`);
    const request = buildRequest(input, { correlationId: this.newId(), replyTopic: this.replyTopic, timeoutMs });
    const record = requestRecord(request, this.config);
    const id = request.correlation_id;
    if (this.pending.has(id)) throw new InvalidRequestError('correlation_id', `${id} is already in flight on this client`);
    // Registered before anything is sent: a reply can never beat its own registration.
    const reply = this.pending.wait(id, { timeoutMs, signal: opts.signal });
    void this.send(id, record);
    const result = await reply;
    if (opts.throwOnFailure && result.status === 'failed') throw new RequestFailedError(result);
    return result;
  }

  /**
   * Sends one request with `stream: true` and yields its answer as it is generated: `delta`s (text
   * and tool-call pieces), a `restart` when a retry begins again, and last the `result` (the same
   * one `request()` resolves with). Errors of `request()` end the iteration.
   */
  stream(input: ClientRequestInput, opts: Omit<RequestOptions, 'throwOnFailure'> = {}): ReplyStream {
    const correlationId = input.correlation_id ?? this.newId();
    const stream = new ReplyStream(correlationId);
    this.streams.set(correlationId, stream);
    this.request({ ...input, correlation_id: correlationId, stream: true }, opts)
      .then((result) => stream.finish(result), (err: unknown) => stream.fail(toError(err)))
      .finally(() => this.streams.delete(correlationId));
    return stream;
  }

  /** `request()` that rejects with {@link RequestFailedError} when the result is `failed`. */
  requestOrThrow(input: ClientRequestInput, opts: Omit<RequestOptions, 'throwOnFailure'> = {}): Promise<AgentResult> {
    return this.request(input, { ...opts, throwOnFailure: true });
  }

  /**
   * Fire and forget: publishes the request (without this client's reply topic) and resolves with
   * its correlation id once the broker has it. The answer goes to the results topic.
   */
  async submit(input: ClientRequestInput, opts: SubmitOptions = {}): Promise<string> {
    if (this.closing) throw new ClientClosedError();
    const request = buildRequest(input, { correlationId: this.newId(), replyTopic: opts.replyTopic });
    try {
      await this.batcher.add(requestRecord(request, this.config));
    } catch (err: unknown) {
      this.counters.publishFailures += 1;
      throw err;
    }
    this.counters.sent += 1;
    return request.correlation_id;
  }

  stats(): ClientStats {
    const p = this.pending.counts();
    return {
      replyTopic: this.replyTopic,
      inFlight: this.pending.size,
      sent: this.counters.sent,
      publishFailures: this.counters.publishFailures,
      completed: this.counters.completed,
      failed: this.counters.failed,
      timedOut: p.timedOut,
      aborted: p.aborted,
      closedPending: this.counters.closedPending,
      lateReplies: p.late,
      duplicateReplies: p.duplicate,
      unknownReplies: p.unknown,
      invalidReplies: this.counters.invalid,
    };
  }

  /**
   * Rejects every pending request with {@link ClientClosedError}, lets queued sends finish,
   * stops reading (leaving its consumer group), deletes the reply topic only when
   * `deleteReplyTopicOnClose` says so, and closes an owned transport. Idempotent.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      this.counters.closedPending += this.pending.rejectAll((id) => new ClientClosedError(id));
      await this.starting?.catch(() => undefined);
      await this.batcher.idle();
      await this.subscription?.close();
      if (this.deleteOnClose && this.createdTopic) await this.transport.deleteTopic?.(this.replyTopic);
      if (this.ownsTransport) await this.transport.close();
    })();
    return this.closed;
  }

  private async subscribe(): Promise<void> {
    this.createdTopic = (await this.transport.ensureTopic?.(this.replyTopic)) ?? false;
    // A topic this client just created holds only its own replies: reading from its start is race-free.
    this.subscription = await this.transport.subscribe(this.replyTopic, (r) => this.onReply(r), { fromBeginning: this.createdTopic });
  }

  private async send(id: string, record: Parameters<PublishBatcher['add']>[0]): Promise<void> {
    try {
      await this.start();
      if (!this.pending.has(id)) return; // aborted, timed out or closed before it left
      await this.batcher.add(record);
      this.counters.sent += 1;
    } catch (err: unknown) {
      this.counters.publishFailures += 1;
      this.pending.reject(id, toError(err));
    }
  }

  private onReply(record: ReplyRecord): void {
    if (record.headers[HEADER_STREAM] !== undefined) {
      // A piece of a streamed answer: for its stream, if it is still open; never a result.
      const body = chunkBody(record);
      if (typeof body?.correlation_id === 'string') this.streams.get(body.correlation_id)?.chunk(body);
      return;
    }
    const parsed = parseReply(record);
    if (!parsed.ok) {
      this.counters.invalid += 1;
      this.onDropped?.({ reason: 'invalid', detail: parsed.reason });
      return;
    }
    const result = parsed.result;
    const outcome = this.pending.settle(result);
    if (outcome === 'resolved') {
      if (result.status === 'completed') this.counters.completed += 1;
      else this.counters.failed += 1;
      return;
    }
    this.onDropped?.({ reason: outcome, correlationId: result.correlation_id });
  }
}
