import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { InfrastructureError, toError } from '../errors/index.js';
import type { CallEvent, CallInvoker, Prefetched } from '../scheduler/call-event.js';
import type { SchedulerLogger } from '../scheduler/deps.js';
import { silentLogger } from '../scheduler/deps.js';
import { lambdaContext } from './context.js';

/** The longest a Lambda function may run (the `call` function's ceiling). */
export const CALL_MAX_TIMEOUT_MS = 15 * 60_000;

type CallHandler = (event: CallEvent, context: Context, prefetched?: Prefetched) => Promise<unknown>;

/**
 * Runs `functions/call` in this process, as Lambda's async invoke would: `invoke` returns once the
 * call has started, not when it ends. Exactly once per event (a function call cannot be delivered
 * twice), so calls skip the adopt write. `idle()` waits for the calls in flight (local shutdown).
 */
export class InProcessCallInvoker implements CallInvoker {
  readonly mayDuplicate = false;
  private handler: CallHandler | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly opts: { timeoutMs?: number; logger?: SchedulerLogger; now?: () => number } = {},
  ) {}

  /** The handler is bound after the dependencies it needs (which include this invoker) exist. */
  bind(handler: CallHandler): void {
    this.handler = handler;
  }

  invoke(event: CallEvent, prefetched?: Prefetched): Promise<void> {
    const handler = this.handler;
    if (!handler) return Promise.reject(new InfrastructureError('in-process call invoker used before bind()'));
    const logger = this.opts.logger ?? silentLogger;
    const run: Promise<void> = handler(event, this.context(), prefetched)
      .then(() => undefined)
      .catch((err: unknown) => logger.warn('call invocation failed; the sweep recovers its requests', { error: toError(err).message }))
      .finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
    return Promise.resolve();
  }

  get running(): number {
    return this.inFlight.size;
  }

  /** Resolves when no call is running (or after `timeoutMs`). */
  async idle(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < until) {
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())).unref())]);
    }
  }

  private context(): Context {
    const now = this.opts.now ?? Date.now;
    return lambdaContext('agentsched-call-local', now() + (this.opts.timeoutMs ?? CALL_MAX_TIMEOUT_MS), now);
  }
}

export interface LambdaCallInvokerOptions {
  functionName: string;
  /** e.g. `http://localhost:4566` for LocalStack; the AWS endpoint when absent. */
  endpoint?: string;
  region?: string;
  client?: LambdaClient;
}

/**
 * Starts `functions/call` through the Lambda Invoke API with `InvocationType: Event` (202 once
 * queued). Lambda may deliver such an event more than once, so calls adopt their claims first.
 */
export class LambdaCallInvoker implements CallInvoker {
  readonly mayDuplicate = true;
  private readonly client: LambdaClient;

  constructor(private readonly opts: LambdaCallInvokerOptions) {
    const region = opts.region ?? process.env['AWS_REGION'] ?? 'us-east-1';
    const local = opts.endpoint && !process.env['AWS_ACCESS_KEY_ID'] ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } } : {};
    this.client = opts.client ?? new LambdaClient({ region, ...(opts.endpoint ? { endpoint: opts.endpoint, ...local } : {}), requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000 } });
  }

  async invoke(event: CallEvent): Promise<void> {
    try {
      const out = await this.client.send(new InvokeCommand({ FunctionName: this.opts.functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(event)) }));
      if (out.StatusCode !== 202) throw new Error(`status ${out.StatusCode ?? 'none'}`);
    } catch (err) {
      throw new InfrastructureError(`async invoke of ${this.opts.functionName} failed: ${toError(err).message}`, { cause: err });
    }
  }

  close(): void {
    this.client.destroy();
  }
}
