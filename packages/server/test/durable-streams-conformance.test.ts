// Runs the official Durable Streams conformance suite against our handler, served by a real
// Node http server on a random port: over the memory stores and over SQLite files through the
// Web-standard handler, and over the memory stores through its native Node path (`handler.node`).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformanceTests } from '@durable-streams/server-conformance-tests';
import { afterAll, beforeAll, describe } from 'vitest';
import {
  MemoryStreamStore,
  createDurableStreamsHandler,
  type StreamStore,
} from '../src/durable-streams/index.js';
import { SqliteStreamStore } from '../src/durable-streams/sqlite-stream-store.js';
import { createNodeListener } from '../src/http/index.js';
import { MemoryStore, type SessionStore } from '../src/stores/index.js';
import { SqliteStore } from '../src/stores/sqlite-store.js';

interface Backend {
  name: string;
  open(directory: string): { store: SessionStore; streams: StreamStore };
  /** Served with `handler.node(req, res)` instead of Web Request/Response. */
  native?: boolean;
}

const backends: Backend[] = [
  { name: 'memory stores', open: () => ({ store: new MemoryStore(), streams: new MemoryStreamStore() }) },
  { name: 'memory stores, native Node path', native: true, open: () => ({ store: new MemoryStore(), streams: new MemoryStreamStore() }) },
  {
    name: 'SQLite stores',
    open: (directory) => ({
      store: new SqliteStore({ path: join(directory, 'sessions.db') }),
      streams: new SqliteStreamStore({ path: join(directory, 'streams.db') }),
    }),
  },
];

for (const backend of backends) {
  describe(`Durable Streams conformance over ${backend.name}`, () => {
    const config = { baseUrl: '', longPollTimeoutMs: 2_000 };
    let server: Server;
    let directory: string;
    let stores: { store: SessionStore; streams: StreamStore };

    beforeAll(async () => {
      directory = mkdtempSync(join(tmpdir(), 'mt-ds-conformance-'));
      stores = backend.open(directory);
      const handler = createDurableStreamsHandler({
        ...stores,
        // The suite is an anonymous cross-origin client that creates streams: allow it here only.
        authorize: () => true,
        allowedOrigins: '*',
        longPollTimeoutMs: 2_000,
        sseMaxDurationMs: 60_000,
      });
      server = createServer(
        backend.native
          ? (req, res) => void handler.node(req, res).then((handled) => handled || res.writeHead(404).end('not found'))
          : createNodeListener({ fetch: async (request) => (await handler(request)) ?? new Response('not found', { status: 404 }) }),
      );
      // Outlive the client's idle sockets, so a reused keep-alive socket is never closed under a request.
      server.keepAliveTimeout = 60_000;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      config.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stores.streams.close();
      await stores.store.close();
      rmSync(directory, { recursive: true, force: true });
    });

    runConformanceTests(config);
  });
}
