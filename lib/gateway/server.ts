import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientRequestInput } from '../client/build.js';
import { RequestAbortedError } from '../client/errors.js';
import type { RequestOptions } from '../client/client.js';
import type { Config } from '../config/schema.js';
import { LIMITS } from '../contracts/limits.js';
import type { AgentResult } from '../contracts/result.js';
import { BearerAuth } from './auth.js';
import { chatCall } from './chat.js';
import type { ChatCall } from './chat.js';
import { GatewayHttpError, exceptionToHttp, resultErrorToHttp } from './errors.js';
import { readJsonBody, sendError, sendJson } from './http.js';
import { AUTO_MODEL, completionBody, completionChunks, modelList, modelObject, sseText } from './response.js';
import { relayStream } from './sse.js';
import type { StreamEvent } from '../client/stream.js';

/** What the gateway needs of the client (an AgentSchedClient, or a fake in unit tests). */
export interface GatewayClient {
  request(input: ClientRequestInput, opts?: RequestOptions): Promise<AgentResult>;
  /** Streams the answer (AgentSchedClient does); without it `stream: true` is answered whole, in one chunk. */
  stream?(input: ClientRequestInput, opts?: Omit<RequestOptions, 'throwOnFailure'>): AsyncIterable<StreamEvent> & { correlationId: string };
}

/** One line per HTTP request, for an access log. Never the prompt. */
export interface GatewayLogEntry {
  method: string;
  path: string;
  status: number;
  ms: number;
  correlationId?: string;
  model?: string;
  priority?: string;
  error?: string;
}

export interface GatewayOptions {
  client: GatewayClient;
  /** `models` are listed by `GET /v1/models`; their ids, named as `model`, pin a request to them. */
  config: Pick<Config, 'models'>;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Per-request timeout when `x-agentsched-timeout-ms` is absent. Default: the client's own default. */
  defaultTimeoutMs?: number;
  log?: (entry: GatewayLogEntry) => void;
  /**
   * When given, every `/v1/*` request must carry `Authorization: Bearer <one of these>` (401
   * otherwise, OpenAI-style). `/healthz` stays open. Without it the gateway trusts every caller
   * that can reach its address (it binds to 127.0.0.1 by default).
   */
  apiKeys?: readonly string[];
}

export interface Gateway {
  /** `http://host:port` (OpenAI clients use `${url}/v1` as their base URL). */
  url: string;
  port: number;
  /** Stops listening, answers in-flight calls 503, closes connections. */
  close(): Promise<void>;
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  entry: GatewayLogEntry;
}

/**
 * An OpenAI-compatible front door: `POST /v1/chat/completions` becomes an AgentSched request
 * through Kafka and the scheduler; `GET /v1/models` lists the configured models. An agent using
 * the openai SDK changes only its base URL. Headers: `x-agentsched-priority`,
 * `x-agentsched-task-type`, `x-agentsched-session-id`, `x-agentsched-timeout-ms`.
 */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const modelIds = new Set(opts.config.models.map((m) => m.id));
  const auth = opts.apiKeys && opts.apiKeys.length > 0 ? new BearerAuth(opts.apiKeys) : undefined;
  const inFlight = new Set<AbortController>();
  let closing = false;

  const chat = async ({ req, res, entry }: Exchange): Promise<void> => {
    const body = await readJsonBody(req, LIMITS.maxRecordBytes);
    const call: ChatCall = chatCall(body, req.headers, modelIds);
    entry.priority = call.input.priority;
    const controller = new AbortController();
    inFlight.add(controller);
    // The caller hung up: stop waiting (the reply, if any, is dropped by the client).
    const onClose = (): void => {
      if (!res.writableEnded) controller.abort();
    };
    res.on('close', onClose);
    let result: AgentResult;
    try {
      const timeoutMs = call.timeoutMs ?? opts.defaultTimeoutMs;
      const requestOpts = { signal: controller.signal, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
      if (call.stream && opts.client.stream) {
        const events = opts.client.stream(call.input, requestOpts);
        const headers = { 'x-request-id': events.correlationId, 'x-agentsched-correlation-id': events.correlationId };
        entry.correlationId = events.correlationId;
        const relayed = await relayStream(res, events, { correlationId: events.correlationId, requestedModel: call.requestedModel, includeUsage: call.includeUsage, headers });
        if (relayed.handled || !relayed.result) return;
        result = relayed.result;
      } else {
        result = await opts.client.request(call.input, requestOpts);
      }
    } finally {
      inFlight.delete(controller);
      res.off('close', onClose);
    }
    entry.correlationId = result.correlation_id;
    entry.model = result.model_id ?? undefined;
    const headers: Record<string, string> = { 'x-request-id': result.correlation_id, 'x-agentsched-correlation-id': result.correlation_id };
    if (result.model_id) headers['x-agentsched-model'] = result.model_id;
    if (result.queued_ms !== undefined) headers['x-agentsched-queued-ms'] = String(Math.round(result.queued_ms));
    if (result.status === 'failed') {
      const err = resultErrorToHttp(result.error);
      entry.error = err.body.error.code ?? err.body.error.type;
      return sendError(res, err, headers);
    }
    const created = Math.floor(Date.now() / 1000);
    if (!call.stream) return sendJson(res, 200, completionBody(result, created, call.requestedModel), headers);
    // Headers go out only with the answer, so a failure is still a plain HTTP error the SDK maps.
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    res.end(sseText(completionChunks(result, created, call.requestedModel, call.includeUsage)));
  };

  const route = async (ex: Exchange): Promise<void> => {
    const { req, res } = ex;
    const path = ex.entry.path;
    if (closing) throw shuttingDown();
    if (path === '/healthz' && req.method === 'GET') return sendJson(res, 200, { status: 'ok' });
    if (auth && path.startsWith('/v1/')) auth.check(req.headers);
    if (path === '/v1/chat/completions') {
      if (req.method !== 'POST') throw methodNotAllowed(req.method, path);
      return chat(ex);
    }
    if (path === '/v1/models') {
      if (req.method !== 'GET') throw methodNotAllowed(req.method, path);
      return sendJson(res, 200, modelList(opts.config.models));
    }
    if (path.startsWith('/v1/models/') && req.method === 'GET') {
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      const model = id === AUTO_MODEL ? { id } : opts.config.models.find((m) => m.id === id);
      if (!model) throw new GatewayHttpError(404, 'invalid_request_error', 'model_not_found', `The model '${id}' does not exist`, { param: 'model' });
      return sendJson(res, 200, modelObject(model));
    }
    throw new GatewayHttpError(404, 'invalid_request_error', 'unknown_url', `Unknown request URL: ${req.method ?? '?'} ${path}`);
  };

  const server = createServer((req, res) => {
    const started = performance.now();
    const entry: GatewayLogEntry = { method: req.method ?? '?', path: (req.url ?? '/').split('?')[0] ?? '/', status: 0, ms: 0 };
    route({ req, res, entry })
      .catch((err: unknown) => {
        const httpError = closing && err instanceof RequestAbortedError ? shuttingDown() : exceptionToHttp(err);
        entry.error = httpError.body.error.code ?? httpError.body.error.type;
        // Nothing reaches a caller that hung up; the log still says why.
        if (res.destroyed) entry.status = httpError.status;
        sendError(res, httpError);
      })
      .finally(() => {
        if (res.headersSent) entry.status = res.statusCode;
        entry.ms = Math.round(performance.now() - started);
        opts.log?.(entry);
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      (closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const controller of inFlight) controller.abort(new Error('gateway closing'));
        // In-flight calls are being answered 503: close each keep-alive socket once it is idle,
        // and cut whatever is left after a second.
        server.closeIdleConnections();
        const sweep = setInterval(() => server.closeIdleConnections(), 20);
        const timer = setTimeout(() => server.closeAllConnections(), 1_000);
        await stopped;
        clearInterval(sweep);
        clearTimeout(timer);
      })()),
  };
}

function shuttingDown(): GatewayHttpError {
  return new GatewayHttpError(503, 'server_error', 'service_unavailable', 'the gateway is shutting down', { retryable: true });
}

function methodNotAllowed(method: string | undefined, path: string): GatewayHttpError {
  return new GatewayHttpError(405, 'invalid_request_error', 'method_not_allowed', `${method ?? '?'} is not allowed on ${path}`);
}
