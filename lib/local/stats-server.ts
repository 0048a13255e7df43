import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What `GET /stats` of a running `agentsched dev --stats-port N` answers. */
export interface ProcessStats {
  pid: number;
  uptime_s: number;
  /** CPU time of this process so far (process.cpuUsage), milliseconds. */
  cpu: { user_ms: number; system_ms: number };
  /** DynamoDB calls since start, by SDK command name (empty when not counted). */
  table_ops: Record<string, number>;
}

export interface StatsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A tiny opt-in HTTP endpoint (`GET /stats`, JSON) for benchmarks: the process's CPU time and the
 * scheduler's DynamoDB call counts. Binds to 127.0.0.1; does not keep the process alive.
 */
export async function startStatsServer(port: number, tableOps: () => ReadonlyMap<string, number> | undefined): Promise<StatsServer> {
  const server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/stats') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const cpu = process.cpuUsage();
    const body: ProcessStats = {
      pid: process.pid,
      uptime_s: Math.round(process.uptime() * 1000) / 1000,
      cpu: { user_ms: cpu.user / 1000, system_ms: cpu.system / 1000 },
      table_ops: Object.fromEntries(tableOps() ?? []),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
