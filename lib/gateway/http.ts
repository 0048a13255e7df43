import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayHttpError } from './errors.js';

/** Sends `body` as JSON unless the caller is gone or an answer was already sent. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** Sends an OpenAI-style error, with `x-should-retry` so the openai SDK retries only what may succeed. */
export function sendError(res: ServerResponse, err: GatewayHttpError, headers: Record<string, string> = {}): void {
  const retryAfter: Record<string, string> = err.retryAfterS === undefined ? {} : { 'retry-after': String(err.retryAfterS) };
  sendJson(res, err.status, err.body, { 'x-should-retry': String(err.shouldRetry), ...retryAfter, ...headers });
}

/** Reads the body as JSON: 413 past `maxBytes`, 400 when it is not JSON. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) {
      throw new GatewayHttpError(413, 'invalid_request_error', 'request_too_large', `the request body is larger than ${maxBytes} bytes`);
    }
    chunks.push(buf);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new GatewayHttpError(400, 'invalid_request_error', 'invalid_json', 'the request body is not valid JSON');
  }
}
