import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { InfrastructureError, toError } from '../errors/index.js';
import type { LambdaKafkaEvent } from '../kafka/event.js';
import { lambdaContext } from './context.js';
import { InvocationError, InvocationTimeoutError } from './errors.js';

/** Runs the function for one batch. Rejects when the function failed: the batch is retried. */
export interface Invoker {
  invoke(event: LambdaKafkaEvent): Promise<unknown>;
}

// Method syntax makes the parameter bivariant, so handlers typed with `MSKEvent` (or middy's
// handler type) are accepted as well as ones taking `unknown`.
type Bivariant<E> = { handle(event: E, context: Context): Promise<unknown> }['handle'];

/** A Lambda-style async handler `(event, context) => Promise<result>`. */
export type LambdaHandler = Bivariant<LambdaKafkaEvent>;

/** The longest timeout Lambda allows a function behind a Kafka event source mapping. */
export const KAFKA_MAX_TIMEOUT_MS = 14 * 60_000;

export interface InProcessInvokerOptions {
  functionName?: string;
  /** Default {@link KAFKA_MAX_TIMEOUT_MS}. */
  timeoutMs?: number;
  memoryLimitInMB?: number;
  now?: () => number;
}

/**
 * Calls the handler in this process with a Lambda-like `Context`. A handler still running at
 * its timeout is reported as failed (Lambda would kill it; here it runs on in the background,
 * which is why handlers should watch `getRemainingTimeInMillis()`).
 */
export class InProcessInvoker implements Invoker {
  private readonly functionName: string;
  private readonly timeoutMs: number;
  private readonly memoryLimitInMB: number;
  private readonly now: () => number;

  constructor(
    private readonly handler: LambdaHandler,
    opts: InProcessInvokerOptions = {},
  ) {
    this.functionName = opts.functionName ?? 'agentsched-local';
    this.timeoutMs = opts.timeoutMs ?? KAFKA_MAX_TIMEOUT_MS;
    this.memoryLimitInMB = opts.memoryLimitInMB ?? 1024;
    this.now = opts.now ?? Date.now;
  }

  async invoke(event: LambdaKafkaEvent): Promise<unknown> {
    const context = this.context(this.now() + this.timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new InvocationTimeoutError(this.functionName, this.timeoutMs)), this.timeoutMs);
    });
    try {
      return await Promise.race([this.handler(event, context), timeout]);
    } catch (err: unknown) {
      if (err instanceof InvocationTimeoutError) throw err;
      const e = toError(err);
      throw new InvocationError(`${this.functionName} threw ${e.name}: ${e.message}`, {
        functionError: 'InProcess',
        errorType: e.name,
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private context(deadline: number): Context {
    return lambdaContext(this.functionName, deadline, this.now, this.memoryLimitInMB);
  }
}

export interface LambdaInvokerOptions {
  functionName: string;
  /** e.g. `http://localhost:4566` for LocalStack; the AWS endpoint when absent. */
  endpoint?: string;
  region?: string;
  /** Injected client (tests); otherwise one is built from endpoint/region. */
  client?: LambdaClient;
}

/**
 * Invokes a deployed function through the Lambda Invoke API (RequestResponse), e.g. on a
 * LocalStack deployment. A `FunctionError` in the response rejects, so the batch is retried.
 */
export class LambdaInvoker implements Invoker {
  private readonly client: LambdaClient;
  private readonly functionName: string;

  constructor(opts: LambdaInvokerOptions) {
    this.functionName = opts.functionName;
    this.client = opts.client ?? new LambdaClient(clientConfig(opts));
  }

  async invoke(event: LambdaKafkaEvent): Promise<unknown> {
    let response;
    try {
      response = await this.client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(JSON.stringify(event)),
        }),
      );
    } catch (err: unknown) {
      throw new InfrastructureError(`Lambda Invoke ${this.functionName} failed: ${toError(err).message}`, { cause: err });
    }
    const payload = parsePayload(response.Payload);
    if (response.FunctionError) {
      const body = isRecord(payload) ? payload : {};
      const errorType = typeof body['errorType'] === 'string' ? body['errorType'] : undefined;
      const errorMessage = typeof body['errorMessage'] === 'string' ? body['errorMessage'] : 'no message';
      throw new InvocationError(`${this.functionName} failed (${response.FunctionError}): ${errorType ?? 'Error'}: ${errorMessage}`, {
        functionError: response.FunctionError,
        ...(errorType === undefined ? {} : { errorType }),
      });
    }
    return payload;
  }

  /** Releases the client's sockets. */
  close(): void {
    this.client.destroy();
  }
}

function clientConfig(opts: LambdaInvokerOptions): LambdaClientConfig {
  const region = opts.region ?? process.env['AWS_REGION'] ?? 'us-east-1';
  if (!opts.endpoint) return { region };
  // LocalStack accepts any credentials; do not require a real profile for a local endpoint.
  const hasCredentials = Boolean(process.env['AWS_ACCESS_KEY_ID']) || Boolean(process.env['AWS_PROFILE']);
  return {
    region,
    endpoint: opts.endpoint,
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
  };
}

function parsePayload(payload: Uint8Array | undefined): unknown {
  if (!payload || payload.length === 0) return undefined;
  const text = new TextDecoder().decode(payload);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
