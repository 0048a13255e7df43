import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { simAnswer } from './answer.js';
import { completionBody, errorBody, promptOf, simLatencyMs, tokensOf } from './completion.js';
import { writeSse } from './sse.js';
import { HttpError, readJson, send } from './http.js';
import { Gauge, pickFaults, SimModelState, totals } from './state.js';
import type { SimFaults, SimServerOptions, SimStats } from './types.js';

/** A running simulated fleet. */
export interface SimServer {
  /** Base URL for OpenAI clients, ending in `/v1`. */
  url: string;
  port: number;
  stats(): SimStats;
  /** Zeroes the counters (in-flight requests stay counted). */
  reset(): void;
  /** Changes fault injection of one model, or of all with '*'. */
  setFaults(model: string, faults: SimFaults): void;
  /** Stops listening, drops open connections and pending answers. */
  close(): Promise<void>;
}

/**
 * Starts a simulated OpenAI-compatible server hosting one or more models, each with a fixed number
 * of concurrent slots. A request beyond a model's capacity is a violation: counted, and answered
 * 429 — so a scheduler under test shows its mistakes in `GET /stats`.
 *
 * Chat requests with `tools` get a tool call, `response_format` JSON, `stream: true` server-sent
 * chunks one token per `perTokenMs` (lib/sim/answer.ts, lib/sim/sse.ts).
 *
 * Endpoints: `POST /v1/chat/completions`, `GET /v1/models`, `GET /stats`, `POST /stats/reset`, `GET /health`,
 * `POST /faults` (body `{ model?: id | '*', failRate?, rateLimitRate?, retryAfterS?, stallRate?, stallMs? }`).
 */
export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  if (options.models.length === 0) throw new Error('the simulated fleet needs at least one model');
  const random = options.random ?? Math.random;
  const models = new Map(options.models.map((m) => [m.id, new SimModelState(m)]));
  if (models.size !== options.models.length) throw new Error('simulated model ids must be unique');
  if (options.defaultModel !== undefined && !models.has(options.defaultModel)) {
    throw new Error(`defaultModel ${options.defaultModel} is not one of the models`);
  }
  const total = new Gauge();
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;
  let rejected = 0;

  const only = models.size === 1 ? [...models.values()][0] : undefined;
  const fallback = only ?? (options.defaultModel === undefined ? undefined : models.get(options.defaultModel));
  const pick = (name: unknown): SimModelState | undefined =>
    (typeof name === 'string' ? models.get(name) : undefined) ?? fallback;

  const stats = (): SimStats => {
    const states = [...models.values()];
    return {
      ...totals(states, total),
      connections,
      rejected,
      models: Object.fromEntries(states.map((m) => [m.config.id, m.snapshot()])),
    };
  };
  const reset = (): void => {
    for (const m of models.values()) m.reset();
    total.reset();
    connections = 0;
    rejected = 0;
  };
  const setFaults = (model: string, faults: SimFaults): void => {
    const targets = model === '*' ? [...models.values()] : [models.get(model)];
    for (const t of targets) {
      if (!t) throw new HttpError(404, errorBody(`The model \`${model}\` does not exist`, 'invalid_request_error', 'model_not_found'));
      try {
        t.setFaults(faults);
      } catch (err) {
        throw new HttpError(400, errorBody((err as Error).message, 'invalid_request_error'));
      }
    }
  };
  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = req.headers.authorization ?? '';
    if (options.apiKey !== undefined && auth !== `Bearer ${options.apiKey}`) {
      // Echoes what it was sent, as careless servers do: clients must not repeat it in their errors.
      throw new HttpError(401, errorBody(`Incorrect API key provided: ${auth.replace(/^Bearer /, '')}`, 'invalid_request_error', 'invalid_api_key'));
    }
    const body = await readJson(req);
    const messages = body['messages'];
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new HttpError(400, errorBody('messages must be a non-empty array', 'invalid_request_error'));
    }
    const model = pick(body['model']);
    if (!model) {
      throw new HttpError(404, errorBody(`The model \`${String(body['model'])}\` does not exist`, 'invalid_request_error', 'model_not_found'));
    }
    const cfg = model.config;
    total.inc();
    const admitted = model.admit();
    let released = false;
    let timer: NodeJS.Timeout | undefined = undefined;
    const release = (): void => {
      if (released) return;
      released = true;
      if (timer) {
        clearTimeout(timer);
        timers.delete(timer);
      }
      model.inFlight.dec();
      total.dec();
    };
    // A client that gives up (timeout, abort) frees its slot at once, as a real server's would.
    res.once('close', () => {
      if (!res.writableFinished && !released) model.count('aborted');
      release();
    });

    if (!admitted) {
      // Refused only after the prefill latency, as a loaded server would be: the refused request
      // stays in flight meanwhile, so peak_concurrency shows how many requests the client really
      // had open at once (5 concurrent calls to a 2-slot model peak at 5, with 3 violations).
      timer = later(simLatencyMs({ ...cfg, perTokenMs: 0 }, 0, random), () => {
        release();
        send(res, 429, errorBody(`model ${cfg.id} is at capacity (${cfg.capacity})`, 'rate_limit_error', 'capacity_exceeded'), {
          'retry-after': String(cfg.retryAfterS),
        });
      });
      return;
    }

    // One draw per fault, always in this order, so a seeded `random` replays the same run.
    const fail = random() < cfg.failRate;
    const limit = random() < cfg.rateLimitRate;
    const stall = random() < cfg.stallRate;
    if (fail) {
      model.count('failures_injected');
      release();
      send(res, 500, errorBody('simulated server error', 'server_error'));
      return;
    }
    if (limit) {
      model.count('rate_limited_injected');
      release();
      send(res, 429, errorBody('simulated rate limit', 'rate_limit_error', 'rate_limit_exceeded'), { 'retry-after': String(cfg.retryAfterS) });
      return;
    }
    if (stall) model.count('stalls_injected');
    const prompt = promptOf(messages);
    const answer = simAnswer(cfg, body, messages, prompt.lastUser, () => randomUUID().replace(/-/g, '').slice(0, 24));
    const streamed = body['stream'] === true;
    const prefill = (stall ? cfg.stallMs : 0) + simLatencyMs(cfg, streamed ? 0 : answer.completionTokens, random);
    const head = { id: `chatcmpl-${randomUUID()}`, model: typeof body['model'] === 'string' ? body['model'] : cfg.id, created: Math.floor(Date.now() / 1000) };
    const promptTokens = tokensOf(prompt.all);
    timer = later(prefill, () => {
      if (released) return;
      if (!streamed) {
        model.count('completed');
        const { content, toolCalls, completionTokens, finishReason } = answer;
        release();
        send(res, 200, completionBody({ ...head, content, promptTokens, completionTokens, finishReason, ...(toolCalls ? { toolCalls } : {}) }));
        return;
      }
      timer = undefined;
      const options = body['stream_options'];
      const includeUsage = typeof options === 'object' && options !== null && (options as Record<string, unknown>)['include_usage'] === true;
      void writeSse(res, { ...head, answer, promptTokens, includeUsage, perTokenMs: cfg.perTokenMs, later, stopped: () => released }).then((done) => {
        if (done) model.count('completed');
        release();
      });
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
    const key = `${req.method ?? 'GET'} ${path}`;
    switch (key) {
      case 'POST /v1/chat/completions':
        return chat(req, res);
      case 'GET /v1/models':
        return send(res, 200, {
          object: 'list',
          data: [...models.keys()].map((id) => ({ id, object: 'model', created: 0, owned_by: 'agentsched-sim' })),
        });
      case 'GET /health':
        return send(res, 200, { ok: true });
      case 'GET /stats':
        return send(res, 200, stats());
      case 'POST /stats/reset':
        reset();
        return send(res, 200, stats());
      case 'POST /faults': {
        const body = await readJson(req);
        let faults: SimFaults;
        try {
          faults = pickFaults(body);
        } catch (err) {
          throw new HttpError(400, errorBody((err as Error).message, 'invalid_request_error'));
        }
        setFaults(typeof body['model'] === 'string' ? body['model'] : '*', faults);
        return send(res, 200, Object.fromEntries([...models.values()].map((m) => [m.config.id, m.config])));
      }
      default:
        throw new HttpError(404, errorBody(`no route for ${key}`, 'invalid_request_error'));
    }
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      rejected += 1;
      if (err instanceof HttpError) send(res, err.status, err.body);
      else send(res, 500, errorBody(`simulator error: ${(err as Error)?.message ?? String(err)}`, 'server_error'));
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}/v1`,
    port,
    stats,
    reset,
    setFaults: (model, faults) => {
      try {
        setFaults(model, faults);
      } catch (err) {
        const detail = err instanceof HttpError ? (err.body['error'] as { message: string }).message : String(err);
        throw new Error(`cannot set faults of ${model}: ${detail}`);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
