import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { Pool } from 'undici';
import { observed } from './dynamo-wire.js';
import type { DynamoOp, DynamoWire, WireBody, WireListener } from './dynamo-wire.js';

/**
 * DynamoDB's JSON protocol spoken directly: one signed POST per operation over a keep-alive pool.
 *
 * Why not the SDK client for the hot path: profiled under the load bench, the AWS SDK v3's
 * per-call work (middleware stack, schema serde, document marshalling) was about half of the
 * scheduler's CPU; `npm run bench -- wire` measures 0.88 ms of CPU per conditional UpdateItem
 * through the SDK client against 0.39 ms through this wire (bench/results/wire.json). What the SDK
 * does that matters is kept:
 * requests are signed by the official SigV4 signer (`@smithy/signature-v4`) with the SDK client's
 * own credential provider, region and endpoint resolution (so the Lambda role, profiles and
 * partitions work as they do for the SDK); every attempt has a connect and a response timeout;
 * throttling, 5xx and network errors are retried (3 attempts, jittered exponential backoff), as
 * the SDK's standard retry mode does. The protocol itself is documented at
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html
 */
export interface HttpWireOptions {
  /** Per-attempt limit for one response (default 3 s). */
  requestTimeoutMs?: number;
  /** Limit for opening a connection (default 1 s). */
  connectionTimeoutMs?: number;
  /** Attempts per operation (default 3, as the SDK). */
  maxAttempts?: number;
}

/** A DynamoDB error response, named as the SDK names it (`ConditionalCheckFailedException`, ...). */
export class DynamoServiceError extends Error {
  /** The item as it was, when a conditional write asked for it (ALL_OLD). */
  readonly Item: Record<string, unknown> | undefined;
  readonly status: number;
  readonly retryable: boolean;

  constructor(name: string, message: string, status: number, item: Record<string, unknown> | undefined) {
    super(message);
    this.name = name;
    this.status = status;
    this.Item = item;
    this.retryable = status >= 500 || RETRYABLE.has(name);
  }
}

/** Error names DynamoDB asks clients to retry (the SDK's throttling and transient lists). */
const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'ThrottlingError',
  'InternalServerError', 'ServiceUnavailable', 'TransactionInProgressException',
]);

interface Target {
  pool: Pool;
  host: string;
  hostname: string;
  port: number | undefined;
  protocol: string;
  path: string;
}

export class HttpDynamoWire implements DynamoWire {
  private target: Promise<Target> | undefined;
  private signer: SignatureV4 | undefined;
  private readonly listeners: WireListener[] = [];
  private readonly timeoutMs: number;
  private readonly connectMs: number;
  private readonly attempts: number;

  /** Uses `client`'s configuration (credentials, region, endpoint) but not its request pipeline. */
  constructor(private readonly client: DynamoDBClient, opts: HttpWireOptions = {}) {
    this.timeoutMs = opts.requestTimeoutMs ?? 3_000;
    this.connectMs = opts.connectionTimeoutMs ?? 1_000;
    this.attempts = opts.maxAttempts ?? 3;
  }

  observe(listener: WireListener): void {
    this.listeners.push(listener);
  }

  call(op: DynamoOp, input: WireBody): Promise<WireBody> {
    return observed(this.listeners, op, input, () => this.send(op, input));
  }

  private async send(op: DynamoOp, input: WireBody): Promise<WireBody> {
    const body = JSON.stringify(encodeBinary(input));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(op, body);
      } catch (err) {
        if (attempt >= this.attempts || !isRetryable(err)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(1_000, 50 * 2 ** attempt)));
      }
    }
  }

  /** Closes the connection pool (the SDK client stays its owner's to destroy). */
  close(): void {
    void this.target?.then((t) => t.pool.close()).catch(() => undefined);
  }

  private async attempt(op: DynamoOp, body: string): Promise<WireBody> {
    const t = await this.resolveTarget();
    const signed = await this.getSigner().sign({
      method: 'POST',
      protocol: t.protocol,
      hostname: t.hostname,
      ...(t.port === undefined ? {} : { port: t.port }),
      path: t.path,
      headers: { host: t.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${op}` },
      body,
    });
    const res = await t.pool.request({ method: 'POST', path: t.path, headers: signed.headers, body });
    const text = await res.body.text();
    const out = (text.length > 0 ? decodeBinary(JSON.parse(text)) : {}) as WireBody;
    if (res.statusCode === 200) return out;
    throw serviceError(res.statusCode, out);
  }

  private getSigner(): SignatureV4 {
    const cfg = this.client.config;
    this.signer ??= new SignatureV4({
      credentials: cfg.credentials,
      region: cfg.region,
      service: 'dynamodb',
      sha256: cfg.sha256,
      applyChecksum: false,
    });
    return this.signer;
  }

  private resolveTarget(): Promise<Target> {
    this.target ??= (async () => {
      const cfg = this.client.config;
      let url: URL;
      if (cfg.endpoint) {
        const e = await cfg.endpoint();
        url = new URL(`${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path || '/'}`);
      } else {
        const resolved = cfg.endpointProvider({ Region: await cfg.region() }, {});
        url = new URL(resolved.url.toString());
      }
      const pool = new Pool(url.origin, {
        connections: 128,
        keepAliveTimeout: 30_000,
        connectTimeout: this.connectMs,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      return {
        pool,
        host: url.host,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        protocol: url.protocol,
        path: url.pathname || '/',
      };
    })();
    return this.target;
  }
}

/**
 * Binary attribute values travel as base64 in the JSON protocol (`{"B": "..."}`). Converted by a
 * walk before `JSON.stringify` and after `JSON.parse` rather than by a replacer / reviver, which
 * push both onto V8's slow path (profiled: most of this wire's CPU).
 */
function encodeBinary(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(encodeBinary);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k in value) out[k] = encodeBinary((value as Record<string, unknown>)[k]);
  return out;
}

/** In typed JSON a string under `B` (or strings under `BS`) can only be binary. */
function decodeBinary(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decodeBinary(value[i]);
    return value;
  }
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  for (const k in obj) {
    const v = obj[k];
    if (k === 'B' && typeof v === 'string') obj[k] = new Uint8Array(Buffer.from(v, 'base64'));
    else if (k === 'BS' && Array.isArray(v)) obj[k] = (v as unknown[]).map((b) => (typeof b === 'string' ? new Uint8Array(Buffer.from(b, 'base64')) : b));
    else if (v !== null && typeof v === 'object') decodeBinary(v);
  }
  return obj;
}

function serviceError(status: number, out: WireBody): DynamoServiceError {
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const type = text(out['__type']) ?? `HTTP${status}`;
  const name = type.slice(type.lastIndexOf('#') + 1);
  const message = text(out['message']) ?? text(out['Message']) ?? name;
  const item = out['Item'] as Record<string, unknown> | undefined;
  return new DynamoServiceError(name, message, status, item);
}

function isRetryable(err: unknown): boolean {
  if (err instanceof DynamoServiceError) return err.retryable;
  // undici's network and timeout errors (UND_ERR_*), and socket errors.
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('UND_ERR') || code.startsWith('E'));
}
