// A session server in its own process, for the restart test: SQLite at argv[2], the scripted
// producer at the rate in the environment, Durable Streams under /streams. Prints `READY <port>` once listening.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDurableStreamsHandler } from '../src/durable-streams/index.js';
import { attachWebSocket, createMarketingTeamServer, createNodeListener } from '../src/http/index.js';
import { createScriptedProducer } from '../src/runtime/scripted-producer.js';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import { ORIGIN, ROOMY_LIMITS, SECRET } from './_harness.js';

const path = process.argv[2];
if (!path) throw new Error('usage: _server-process.ts <database file>');
const store = new SqliteStore({ path });
const server = createMarketingTeamServer({
  store,
  tokens: { secret: SECRET },
  limits: ROOMY_LIMITS,
  allowedOrigins: [ORIGIN],
  interruptOrphanedRuns: true,
  launcher: createScriptedProducer({
    deltas: Number(process.env.MT_DELTAS ?? 4000),
    deltasPerSecond: Number(process.env.MT_RATE ?? 4000),
  }),
});
// Session logs also as Durable Streams, read-only, as the demo mounts them.
server.route('/streams', createDurableStreamsHandler({ store, basePath: '/streams', tokens: server.tokens }));
const http = createServer(createNodeListener(server));
attachWebSocket(http, server);
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY ${(http.address() as AddressInfo).port}\n`);
});
