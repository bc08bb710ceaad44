// A loopback TCP proxy that makes the network misbehave, for fault tests: it cuts every
// connection after a random lifetime, splits writes into small random pieces, throttles the
// server-to-client direction, or refuses connections outright. Seeded, so a failure replays.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { random } from './_harness.js';

/** How the proxy treats connections; change it at any time with `set`. */
export interface FaultMode {
  /** Cut each connection after a lifetime drawn from [min, max] ms; none when absent. */
  cutAfterMs?: [number, number];
  /** Server-to-client bytes per second; unlimited when absent. */
  bytesPerSecond?: number;
  /** Forward writes in pieces of at most this many bytes (both ways). */
  splitBytes?: number;
  /** Refuse every new connection (close it at once), as while a server is down. */
  refuse?: boolean;
}

export interface FaultProxy {
  port: number;
  /** Connections accepted so far (refused ones included). */
  readonly connections: number;
  /** Connections the proxy cut. */
  readonly cuts: number;
  set(mode: FaultMode): void;
  /** Cuts every open connection now. */
  cutAll(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number, seed: number, initial: FaultMode = {}): Promise<FaultProxy> {
  const next = random(seed);
  let mode = initial;
  let connections = 0;
  let cuts = 0;
  const open = new Set<Socket>();

  const forward = (from: Socket, to: Socket, throttled: boolean) => {
    // Pieces are queued and written in order; the throttle spaces them out in time.
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      const size = mode.splitBytes ?? chunk.length;
      for (let start = 0; start < chunk.length; start += size) {
        const piece = chunk.subarray(start, start + size);
        chain = chain.then(async () => {
          if (to.destroyed) return;
          const rate = throttled ? mode.bytesPerSecond : undefined;
          if (rate) await new Promise((resolve) => setTimeout(resolve, (piece.length / rate) * 1000));
          if (!to.destroyed && !to.write(piece)) {
            from.pause();
            await new Promise((resolve) => to.once('drain', resolve));
            from.resume();
          }
        });
      }
    });
  };

  const server: Server = createServer((client) => {
    connections += 1;
    client.on('error', () => undefined);
    if (mode.refuse) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    upstream.on('error', () => undefined);
    open.add(client);
    const end = () => {
      open.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    forward(client, upstream, false);
    forward(upstream, client, true);
    if (mode.cutAfterMs) {
      const [min, max] = mode.cutAfterMs;
      const timer = setTimeout(() => {
        if (client.destroyed) return;
        cuts += 1;
        end();
      }, min + next() * (max - min));
      client.on('close', () => clearTimeout(timer));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    get cuts() {
      return cuts;
    },
    set(change) {
      mode = change;
    },
    cutAll() {
      for (const socket of [...open]) {
        cuts += 1;
        socket.destroy();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of [...open]) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
