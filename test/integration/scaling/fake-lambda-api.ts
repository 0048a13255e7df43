import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One request as the fake Lambda API received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/** An event source mapping in the Lambda API's JSON form (`LastModified` in epoch seconds). */
export type ApiMapping = Record<string, unknown> & { UUID: string; FunctionArn: string };

export interface FakeLambdaApi {
  url: string;
  requests: RecordedRequest[];
  /** By UUID, updated by UpdateEventSourceMapping. */
  mappings: Map<string, ApiMapping>;
  /** The next UpdateEventSourceMapping answers this AWS error instead. */
  failNextUpdate(error: { name: string; status: number; message: string }): void;
  close(): Promise<void>;
}

const PREFIX = '/2015-03-31/event-source-mappings';

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * A tiny imitation of the two Lambda API operations the autoscaler uses
 * (ListEventSourceMappings with `Marker` paging, UpdateEventSourceMapping), on 127.0.0.1.
 */
export async function startFakeLambdaApi(initial: ApiMapping[], opts: { pageSize?: number } = {}): Promise<FakeLambdaApi> {
  const pageSize = opts.pageSize ?? 100;
  const mappings = new Map(initial.map((m) => [m.UUID, structuredClone(m)]));
  const requests: RecordedRequest[] = [];
  let failure: { name: string; status: number; message: string } | undefined;

  const handle = (req: IncomingMessage, res: ServerResponse, text: string): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), body });
    if (req.method === 'GET' && (url.pathname === PREFIX || url.pathname === `${PREFIX}/`)) {
      const fn = url.searchParams.get('FunctionName') ?? '';
      const mine = [...mappings.values()].filter((m) => m.FunctionArn === fn || m.FunctionArn.endsWith(`:function:${fn}`));
      const start = Number(url.searchParams.get('Marker') ?? '0');
      const page = mine.slice(start, start + pageSize);
      const next = start + pageSize < mine.length ? { NextMarker: String(start + pageSize) } : {};
      return send(res, 200, { EventSourceMappings: page, ...next });
    }
    if (req.method === 'PUT' && url.pathname.startsWith(`${PREFIX}/`)) {
      const uuid = decodeURIComponent(url.pathname.slice(PREFIX.length + 1));
      if (failure !== undefined) {
        const f = failure;
        failure = undefined;
        return send(res, f.status, { Type: 'User', message: f.message }, { 'x-amzn-errortype': f.name });
      }
      const m = mappings.get(uuid);
      if (m === undefined) {
        return send(res, 404, { Type: 'User', message: `mapping ${uuid} not found` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
      }
      Object.assign(m, body as Record<string, unknown>, { LastModified: Date.now() / 1000 });
      return send(res, 202, m);
    }
    send(res, 404, { message: `no route ${req.method} ${url.pathname}` }, { 'x-amzn-errortype': 'UnknownOperationException' });
  };

  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => handle(req, res, text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const closed = new Promise<void>((resolve) => server.once('close', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    mappings,
    failNextUpdate: (error) => (failure = error),
    // Idempotent: a test may close early, cleanup closes again.
    close: () => {
      if (server.listening) server.close();
      return closed;
    },
  };
}
