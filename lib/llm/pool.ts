import OpenAI from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import type { ModelConfig } from '../config/schema.js';
import { ApiKeyResolver, apiKeyRefKey } from './api-key.js';
import { ChatHttpClient } from './chat-http.js';

/** Options of {@link LlmClientPool}. */
export interface LlmClientPoolOptions {
  /** The fleet, used to size each endpoint's connection pool (sum of the capacities on it). */
  models?: readonly ModelConfig[];
  /** Cap on the connections of one endpoint (`connection_pool.max_connections`). Default 100. */
  maxConnections?: number;
  /** Idle keep-alive time of a pooled socket. Default 4 s (undici's), below common server idle limits. */
  keepAliveTimeoutMs?: number;
  /** Where API keys come from. Default: environment variables and `AGENTSCHED_SECRET_*`. */
  apiKeys?: ApiKeyResolver;
}

interface Entry {
  client: OpenAI;
  /** The one-shot completion on the same agent, without the SDK's fetch path (see chat-http.ts). */
  chat: ChatHttpClient;
  agent: Agent;
  connections: number;
}

/** `http://h:8000/v1/` and `http://h:8000/v1` are one endpoint. */
function normalizeEndpoint(endpoint: string): string {
  return endpoint.replace(/\/+$/, '');
}

/**
 * One OpenAI client per (endpoint, API key reference), each with its own keep-alive undici `Agent`.
 * Create it once per container (lib/scheduler/factory.ts does): warm invocations then reuse open
 * connections instead of paying a TCP (and TLS) handshake per call.
 *
 * Pool size per endpoint = min(sum of the capacities of the models served there, maxConnections):
 * the capacity table never admits more concurrent calls than that, so more sockets would sit idle,
 * and the cap protects a container from opening thousands of sockets to a huge hosted API. A model
 * first seen after its endpoint's client was made does not resize that client's pool.
 *
 * The SDK's own retries are off (`maxRetries: 0`): the scheduler retries, on another model, after
 * releasing its lease. SDK logging is off so prompts never reach the logs through it.
 */
export class LlmClientPool {
  private readonly models: readonly ModelConfig[];
  private readonly maxConnections: number;
  private readonly keepAliveTimeoutMs: number;
  private readonly apiKeys: ApiKeyResolver;
  private readonly entries = new Map<string, Promise<Entry>>();
  private closed = false;

  constructor(options: LlmClientPoolOptions = {}) {
    this.models = options.models ?? [];
    this.maxConnections = Math.max(1, options.maxConnections ?? 100);
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 4_000;
    this.apiKeys = options.apiKeys ?? new ApiKeyResolver();
  }

  /** The shared client for `model`'s endpoint and key; made on first use, then cached. */
  async clientFor(model: ModelConfig): Promise<OpenAI> {
    return (await this.entryFor(model)).client;
  }

  /**
   * Both shared clients for `model`'s endpoint and key, on the same sockets: the SDK client
   * (streaming) and the one-shot chat client (see chat-http.ts).
   */
  async clientsFor(model: ModelConfig): Promise<{ client: OpenAI; chat: ChatHttpClient }> {
    const { client, chat } = await this.entryFor(model);
    return { client, chat };
  }

  /** How many sockets `model`'s endpoint may open (for diagnostics and tests). */
  async connectionsFor(model: ModelConfig): Promise<number> {
    return (await this.entryFor(model)).connections;
  }

  /** Number of distinct clients made so far. */
  get size(): number {
    return this.entries.size;
  }

  /** Destroys every agent (open sockets included). The pool cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    const settled = await Promise.allSettled(entries);
    const agents = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.agent] : []));
    await Promise.all(agents.map((agent) => agent.destroy().catch(() => undefined)));
  }

  private entryFor(model: ModelConfig): Promise<Entry> {
    if (this.closed) return Promise.reject(new Error('LlmClientPool is closed'));
    const endpoint = normalizeEndpoint(model.endpoint);
    const key = `${endpoint} ${apiKeyRefKey(model.api_key)}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.create(endpoint, model);
      this.entries.set(key, entry);
      // A key that cannot be resolved now may be resolvable later: do not cache the failure.
      entry.catch(() => this.entries.delete(key));
    }
    return entry;
  }

  private async create(endpoint: string, model: ModelConfig): Promise<Entry> {
    const apiKey = await this.apiKeys.resolve(model.api_key);
    const connections = this.connectionCount(endpoint, model);
    const agent = new Agent({ connections, keepAliveTimeout: this.keepAliveTimeoutMs });
    // undici's own fetch, not the global one: Node's bundled undici may be another major version,
    // and a dispatcher is only guaranteed to work with the fetch of its own package.
    const fetchWithAgent = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
      undiciFetch(
        input as Parameters<typeof undiciFetch>[0],
        { ...init, dispatcher: agent } as Parameters<typeof undiciFetch>[1],
      );
    const client = new OpenAI({
      baseURL: endpoint,
      apiKey,
      maxRetries: 0,
      fetch: fetchWithAgent,
      logLevel: 'off',
    });
    return { client, chat: new ChatHttpClient(agent, endpoint, apiKey), agent, connections };
  }

  private connectionCount(endpoint: string, model: ModelConfig): number {
    const onEndpoint = this.models.filter((m) => normalizeEndpoint(m.endpoint) === endpoint && m.id !== model.id);
    const capacity = onEndpoint.reduce((sum, m) => sum + m.capacity, model.capacity);
    return Math.max(1, Math.min(capacity, this.maxConnections));
  }
}
