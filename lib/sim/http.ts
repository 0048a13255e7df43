import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from './completion.js';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** An answer other than 200, thrown by handlers and sent by the router. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly body: Record<string, unknown>) {
    super(`HTTP ${status}`);
  }
}

/** Sends `body` as JSON unless the client is gone or an answer was already sent. */
export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads a JSON object body (empty body → {}); 400 / 413 as an {@link HttpError}. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, errorBody('request body too large', 'invalid_request_error'));
    chunks.push(buf);
  }
  if (size === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, errorBody('request body is not valid JSON', 'invalid_request_error'));
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, errorBody('request body must be a JSON object', 'invalid_request_error'));
  }
  return parsed as Record<string, unknown>;
}
