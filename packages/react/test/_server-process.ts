// A real session server in its own Node process, driven by the test over IPC. Keeping it out of
// the jsdom test process means the server runs on plain Node, as it does in production.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionEventSchema, applyRecords, createSessionState, type Capability, type SessionEventInput, type SessionRecord } from '@marketing-team/core';
import { attachWebSocket, createMarketingTeamServer, createNodeListener, createScriptedProducer } from '@marketing-team/server';
import { SqliteStore } from '@marketing-team/server/sqlite';

interface Options {
  deltas: number;
  deltasPerSecond: number;
  tasks: number;
  snapshotEvery: number;
}

export type ServerRequest =
  | { id: number; op: 'token'; session: string; capabilities: Capability[] }
  | { id: number; op: 'logState'; session: string }
  | { id: number; op: 'read'; session: string; after: number; limit: number }
  | { id: number; op: 'append'; session: string; events: SessionEventInput[] }
  | { id: number; op: 'sockets' }
  | { id: number; op: 'dropConnections' }
  | { id: number; op: 'close' };

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const dir = mkdtempSync(join(tmpdir(), 'mt-react-'));
const store = new SqliteStore({ path: join(dir, 'sessions.db') });
const server = createMarketingTeamServer({
  store,
  tokens: { secret: 'react-test-secret-react-test-secret-0123' },
  allowedOrigins: '*',
  launcher: createScriptedProducer({ deltas: options.deltas, deltasPerSecond: options.deltasPerSecond, tasks: options.tasks }),
  snapshotEvery: options.snapshotEvery,
  onError: () => undefined,
  // Tests connect and submit briefs as one user far faster than a person would.
  limits: {
    connectionsPerPrincipal: 100_000,
    connectionsPerSession: 100_000,
    connectionsPerAddress: 100_000,
    concurrentRunsPerPrincipal: 10_000,
    concurrentRunsPerSession: 10_000,
    briefsPerMinutePerPrincipal: 100_000,
    briefsPerMinutePerSession: 100_000,
    briefsPerMinutePerAddress: 100_000,
  },
});
const http = createServer(createNodeListener(server));
const ws = attachWebSocket(http, server);
// Every TCP connection, so the test can cut them all like a lost network.
const connections = new Set<Socket>();
http.on('connection', (socket: Socket) => {
  connections.add(socket);
  socket.once('close', () => connections.delete(socket));
});

async function readAll(session: string): Promise<SessionRecord[]> {
  const records: SessionRecord[] = [];
  for (;;) {
    const page = await store.read(session, records.at(-1)?.offset ?? 0, 1000);
    if (page.length === 0) return records;
    records.push(...page);
  }
}

async function answer(request: ServerRequest): Promise<unknown> {
  switch (request.op) {
    case 'token':
      return server.tokens.mint({ session: request.session, userId: 'user-1', capabilities: request.capabilities, ttlSeconds: 600 });
    case 'logState':
      return applyRecords(createSessionState(), await readAll(request.session));
    case 'read':
      return store.read(request.session, request.after, request.limit);
    case 'append':
      // What a runtime writes into the log (a stall, a pause), written here straight into the store.
      return (await store.append(request.session, request.events.map((event) => SessionEventSchema.parse(event)))).records.at(-1)?.offset;
    case 'sockets':
      return server.websocket.size;
    case 'dropConnections': {
      const count = connections.size;
      for (const socket of connections) socket.destroy();
      return count;
    }
    case 'close':
      ws.close();
      await server.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      setImmediate(() => process.exit(0));
      return true;
  }
}

process.on('message', (request: ServerRequest) => {
  answer(request).then(
    (result) => process.send!({ id: request.id, result }),
    (error: unknown) => process.send!({ id: request.id, error: String(error) }),
  );
});
// The test process went away: do not linger.
process.on('disconnect', () => process.exit(0));

http.listen(0, '127.0.0.1', () => {
  process.send!({ ready: true, port: (http.address() as AddressInfo).port });
});
