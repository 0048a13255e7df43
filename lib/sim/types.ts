/** Fault injection of one simulated model; every rate is a probability in [0, 1] per request. */
export interface SimFaults {
  /** Answer HTTP 500 `server_error`. */
  failRate?: number;
  /** Answer HTTP 429 with `Retry-After: retryAfterS`. */
  rateLimitRate?: number;
  /** Seconds sent in `Retry-After` (injected 429s and capacity violations). Default 1. */
  retryAfterS?: number;
  /** Hold the request `stallMs` before answering (exercises client timeouts). */
  stallRate?: number;
  /** Default 30 000. */
  stallMs?: number;
}

/** One simulated model: a fixed number of concurrent slots and a latency model. */
export interface SimModelOptions extends SimFaults {
  id: string;
  /**
   * Concurrent requests it accepts. Every request that arrives while `capacity` are already in
   * flight is a violation, answered 429 (after the prefill latency, staying in flight meanwhile).
   */
  capacity: number;
  /** Prefill latency, milliseconds. Default 150. */
  latencyMs?: number;
  /** Decode latency per completion token, milliseconds. Default 2. */
  perTokenMs?: number;
  /** Relative jitter of the latency, 0..1 (0.1 = ±10 %). Default 0.1. */
  jitter?: number;
  /** Completion tokens when the request sets no `max_tokens`. Default 64. */
  defaultCompletionTokens?: number;
  /** Upper bound of completion tokens (a larger `max_tokens` ends with finish_reason 'length'). Default 4096. */
  maxCompletionTokens?: number;
}

/** A model's options with every default applied. */
export type ResolvedSimModel = Required<SimModelOptions>;

/** Options of `startSimServer`. */
export interface SimServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  models: SimModelOptions[];
  /** Serves requests naming an unknown model (with a single model, every name maps to it anyway). */
  defaultModel?: string;
  /** When set, requests must send `Authorization: Bearer <apiKey>`; others get 401. */
  apiKey?: string;
  /** Uniform [0, 1) source for faults and jitter. Default Math.random. */
  random?: () => number;
}

/** Counters of one model, or totals of the server. */
export interface SimCounters {
  /** Chat completion requests routed to the model (every outcome). */
  requests: number;
  /** Answered 200. */
  completed: number;
  /** Largest number of requests in flight at once, the violating arrivals included. */
  peak_concurrency: number;
  capacity: number;
  /** Arrivals while `capacity` requests were already in flight (each answered 429). */
  violations: number;
  in_flight: number;
  failures_injected: number;
  rate_limited_injected: number;
  stalls_injected: number;
  /** Requests whose client went away before the answer. */
  aborted: number;
}

/**
 * What `GET /stats` returns: totals over all models (`capacity` is their sum, `peak_concurrency`
 * and `in_flight` count the whole server) and the same counters per model id in `models`.
 */
export interface SimStats extends SimCounters {
  /** TCP connections accepted since start or reset (shows keep-alive reuse). */
  connections: number;
  /** Requests rejected before reaching a model (bad JSON, unknown model, wrong key). */
  rejected: number;
  models: Record<string, SimCounters>;
}
