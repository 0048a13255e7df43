import type { ServerResponse } from 'node:http';
import type { StreamEvent } from '../client/stream.js';
import type { AgentResult } from '../contracts/result.js';
import { resultErrorToHttp } from './errors.js';
import { ChunkWriter, completionChunks, sseEvent } from './response.js';

/** While a streamed request waits (queued, or a slow first token), a comment goes out this often so proxies keep the connection. */
export const SSE_KEEPALIVE_MS = 10_000;

export interface RelayOptions {
  correlationId: string;
  requestedModel: string;
  includeUsage: boolean;
  /** Response headers (x-request-id, …), sent with the first event. */
  headers: Record<string, string>;
  keepAliveMs?: number;
}

/** `handled`: the answer went out as SSE; otherwise nothing was written and `result` is a failure to answer as a plain HTTP error. */
export interface RelayOutcome {
  result: AgentResult | undefined;
  handled: boolean;
}

/**
 * Relays a streamed request as OpenAI's server-sent events: each delta as a `chat.completion.chunk`
 * as it arrives, then the finish chunk, the usage chunk (`stream_options.include_usage`), `[DONE]`.
 * Headers go out with the first delta (or the first keep-alive), so a request that fails before
 * any is still a plain HTTP error the SDK maps. A failure after that, or a retry that starts the
 * answer again after part of it was sent (SSE cannot take text back), ends the stream with an
 * OpenAI error event, which the SDK raises as an APIError.
 */
export async function relayStream(res: ServerResponse, events: AsyncIterable<StreamEvent>, o: RelayOptions): Promise<RelayOutcome> {
  const created = Math.floor(Date.now() / 1000);
  const writer = new ChunkWriter(`chatcmpl-${o.correlationId}`, created, o.includeUsage);
  let sentDelta = false;
  const open = (): void => {
    if (res.headersSent) return;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...o.headers });
    res.flushHeaders();
  };
  const beat = setInterval(() => {
    open();
    res.write(': keep-alive\n\n');
  }, o.keepAliveMs ?? SSE_KEEPALIVE_MS);
  const fail = (body: unknown): RelayOutcome => {
    res.end(sseEvent(body));
    return { result: undefined, handled: true };
  };
  try {
    for await (const ev of events) {
      if (res.destroyed) return { result: undefined, handled: true };
      if (ev.type === 'restart') {
        if (sentDelta) {
          return fail({ error: { message: 'the model failed mid-answer and the request is being retried; the streamed text is void, send the request again', type: 'server_error', code: 'stream_interrupted', param: null } });
        }
        continue;
      }
      if (ev.type === 'delta') {
        open();
        sentDelta = true;
        res.write(sseEvent(writer.delta(ev.model_id, ev.delta)));
        continue;
      }
      const result = ev.result;
      if (result.status === 'failed') {
        if (!res.headersSent) return { result, handled: false };
        return fail(resultErrorToHttp(result.error).body);
      }
      open();
      // Nothing streamed (e.g. the reply topic did not allow it): the whole answer in one chunk.
      const tail = sentDelta ? writer.end(result, o.requestedModel) : completionChunks(result, created, o.requestedModel, o.includeUsage);
      res.end(`${tail.map(sseEvent).join('')}data: [DONE]\n\n`);
      return { result, handled: true };
    }
    return { result: undefined, handled: res.headersSent };
  } catch (err) {
    if (!res.headersSent) throw err;
    const message = err instanceof Error ? err.message : String(err);
    return fail({ error: { message, type: 'server_error', code: 'stream_failed', param: null } });
  } finally {
    clearInterval(beat);
  }
}
