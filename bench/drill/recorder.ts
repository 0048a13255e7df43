// An HTTP pass-through in front of one simulated model that records when each call arrived and
// when a 429 with Retry-After went out, to check that the scheduler honours Retry-After: no call
// should arrive while the model asked for a pause (beyond the calls already on their way).
// Hand-written on node:http: a recording proxy is ~40 lines, and the check needs the timestamps.
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorder {
  /** Base URL ending in /v1, for the model's `endpoint`. */
  url: string;
  /** Calls that arrived inside a Retry-After window, more than `graceMs` after the 429 went out. */
  early(graceMs: number): number;
  pauses(): number;
  close(): Promise<void>;
}

export async function startRecorder(target: string): Promise<Recorder> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const arrivals: number[] = [];
  const pauses: { at: number; untilMs: number }[] = [];
  const server = createServer((req, res) => {
    if (req.url?.includes('/chat/completions')) arrivals.push(Date.now());
    const out = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent },
      (up) => {
        const retryAfter = Number(up.headers['retry-after']);
        if (up.statusCode === 429 && Number.isFinite(retryAfter)) pauses.push({ at: Date.now(), untilMs: retryAfter * 1000 });
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    res.on('close', () => out.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    early: (graceMs) => arrivals.filter((t) => pauses.some((p) => t > p.at + graceMs && t < p.at + p.untilMs)).length,
    pauses: () => pauses.length,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}
