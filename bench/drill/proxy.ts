// A TCP proxy in front of DynamoDB Local that can go silent: while silent it accepts connections
// and reads what they send, and never answers (established connections are held too), the way a
// table behind a black-holed network looks to its clients. Hand-written: it is 50 lines of
// node:net, and no package does "accept and never answer" on demand.
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export interface SilentProxy {
  url: string;
  /** Starts holding every connection (new and open ones) without an answer. */
  silence(): void;
  /** Drops the held connections (their clients see a reset, as after a network partition) and forwards again. */
  restore(): void;
  close(): Promise<void>;
}

export async function startSilentProxy(target: { host: string; port: number }): Promise<SilentProxy> {
  let silent = false;
  const open = new Set<{ client: Socket; upstream?: Socket }>();
  const server: Server = createServer((client) => {
    const pair: { client: Socket; upstream?: Socket } = { client };
    open.add(pair);
    client.on('error', () => undefined);
    client.once('close', () => {
      open.delete(pair);
      pair.upstream?.destroy();
    });
    if (silent) {
      client.resume(); // read and drop: the request is taken, no answer ever comes
      return;
    }
    const upstream = connect(target);
    pair.upstream = upstream;
    upstream.on('error', () => client.destroy());
    upstream.once('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      if (!silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!silent) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    silence: () => {
      silent = true;
    },
    restore: () => {
      silent = false;
      for (const p of open) p.client.destroy();
    },
    close: async () => {
      for (const p of open) p.client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
