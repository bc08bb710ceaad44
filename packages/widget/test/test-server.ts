// A real marketing-team server for the widget's browser tests: SQLite store in a temp dir,
// signed tokens, the team runtime with the offline model at a high token rate, and a brief
// whose goal starts with "XSS" answered by a producer that writes hostile output. Beside it,
// a small test-only HTTP API: mint tokens, drop every socket of a session, read a session log,
// count open sockets and measure the heap.
// Prints `{"port": N}` on stdout once listening.
import { SessionEventSchema, createDefaultTeam, type Capability, type ModelProvider, type ModelStreamEvent, type SessionEvent } from '@marketing-team/core';
import {
  attachWebSocket,
  createMarketingTeamServer,
  createNodeListener,
  createOfflineProvider,
  createTeamRuntime,
  type RunContext,
  type RunLauncher,
  type WebSocketPeer,
} from '@marketing-team/server';
import { SqliteStore, SqliteWorkspaceStore } from '@marketing-team/server/sqlite';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { hostileEvents } from './_hostile-events.js';

const directory = mkdtempSync(join(tmpdir(), 'mt-widget-test-'));
const store = new SqliteStore({ path: join(directory, 'sessions.db'), synchronous: 'normal' });
// Workspaces beside the sessions (the studio's tests); sessions of tokens without one run the default team.
const workspaces = new SqliteWorkspaceStore({ path: join(directory, 'sessions.db') });
const provider = createOfflineProvider({ tokensPerSecond: Number(process.env.MT_TOKENS_PER_SECOND ?? 600) });
const runtime = createTeamRuntime({ team: createDefaultTeam(), provider, workspaces });

// A model call that hangs: briefs whose goal starts with "HANG" run a team whose research
// generations stop after their first chunk until `POST /test/release-hang`, with a short stall window.
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
let hangRelease = deferred();
const hangingProvider: ModelProvider = {
  ...provider,
  async *stream(request, signal): AsyncGenerator<ModelStreamEvent> {
    const hangs = request.purpose.kind === 'skill' && request.purpose.skill === 'research-brief';
    let first = true;
    for await (const event of provider.stream(request, signal)) {
      yield event;
      if (hangs && first && event.type === 'text') {
        first = false;
        const released = hangRelease.promise;
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => reject(signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
          void released.then(() => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          });
        });
      }
    }
  },
};
const hangingRuntime = createTeamRuntime({ team: createDefaultTeam(), provider: hangingProvider, stallAfterMs: 1500 });

async function hostileRun(context: RunContext): Promise<void> {
  const { runId } = context;
  await context.append([
    SessionEventSchema.parse({
      type: 'run.started',
      runId,
      tasks: [
        { id: 'research', title: 'Research', skill: 'market-research', agent: 'market-researcher', dependsOn: [] },
        { id: 'creative', title: 'Creative', skill: 'creative-concepts', agent: 'creative-designer', dependsOn: [] },
      ],
      model: { provider: 'offline', name: 'hostile', offline: true },
    }),
  ]);
  const events: SessionEvent[] = hostileEvents(runId).map((event) => SessionEventSchema.parse(event));
  for (const event of events) await context.append([event]);
  await context.append([
    SessionEventSchema.parse({ type: 'run.completed', runId, deliverableIds: events.flatMap((event) => (event.type === 'deliverable.created' ? [event.deliverable.id] : [])) }),
  ]);
}

const launcher: RunLauncher = {
  launch: (context) =>
    context.brief.goal.startsWith('XSS')
      ? hostileRun(context)
      : context.brief.goal.startsWith('HANG')
        ? hangingRuntime.launch(context)
        : runtime.launch(context),
};

const METRICS_TOKEN = randomBytes(24).toString('hex');

/** The server's open session subscriptions (WebSocket and SSE), from its own metrics. */
async function openSubscriptions(): Promise<number> {
  const response = await server.fetch(new Request('http://127.0.0.1/mt/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }));
  const line = (await response.text()).split('\n').find((each) => each.startsWith('marketing_team_subscriptions_open '));
  return Number(line?.split(' ')[1] ?? NaN);
}

const server = createMarketingTeamServer({
  store,
  workspaces,
  // Drafts stream slowly enough that a test can drop the connection mid-analysis.
  analysisProvider: createOfflineProvider({ tokensPerSecond: Number(process.env.MT_DRAFT_TOKENS_PER_SECOND ?? 80) }),
  tokens: { secret: randomBytes(32) },
  launcher,
  basePath: '/mt',
  // The pages under test come from the test runner's own localhost port.
  allowedOrigins: (origin) => /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(origin),
  heartbeatMs: 5000,
  // The footprint figures read the server's own count of open subscriptions.
  metrics: { token: METRICS_TOKEN },
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

// Which sockets watch which session, so a test can drop them.
const watchers = new Map<string, Set<WebSocketPeer>>();
const hooks = server.websocket;
const message = hooks.message.bind(hooks);
const close = hooks.close.bind(hooks);
hooks.message = (peer, data) => {
  try {
    const frame = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data)) as { type?: string; session?: string };
    if (frame.type === 'subscribe' && typeof frame.session === 'string') {
      const set = watchers.get(frame.session) ?? new Set();
      set.add(peer);
      watchers.set(frame.session, set);
    }
  } catch {
    // Not JSON: the server answers it.
  }
  message(peer, data);
};
hooks.close = (peer, code, reason) => {
  for (const set of watchers.values()) set.delete(peer);
  close(peer, code, reason);
};

const TokenBody = z.object({
  session: z.string().min(1).optional(),
  workspace: z.string().min(1).optional(),
  capabilities: z.array(z.enum(['read', 'write', 'control', 'admin', 'presence'])).min(1),
  ttlSeconds: z.number().int().positive().default(600),
  userId: z.string().min(1).default('tester'),
});
const SessionBody = z.object({ session: z.string().min(1) });
const InterruptBody = SessionBody.extend({ runId: z.string().min(1) });

async function body(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text ? JSON.parse(text) : {};
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

async function testApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method === 'POST' && url.pathname === '/test/token') {
    const input = TokenBody.parse(await body(req));
    const token = await server.tokens.mint({
      ...(input.session ? { session: input.session } : {}),
      ...(input.workspace ? { workspace: input.workspace } : {}),
      userId: input.userId,
      userName: 'Tester',
      capabilities: input.capabilities as Capability[],
      ttlSeconds: input.ttlSeconds,
    });
    return send(res, 200, { token });
  }
  if (req.method === 'POST' && url.pathname === '/test/drop') {
    const input = SessionBody.parse(await body(req));
    const peers = [...(watchers.get(input.session) ?? [])];
    for (const peer of peers) peer.terminate();
    return send(res, 200, { dropped: peers.length });
  }
  if (req.method === 'POST' && url.pathname === '/test/drop-streams') {
    // Kills the HTTP responses of the session's event streams mid-stream (the SSE transport).
    const input = SessionBody.parse(await body(req));
    const responses = [...(streams.get(input.session) ?? [])];
    for (const response of responses) response.destroy();
    return send(res, 200, { dropped: responses.length });
  }
  if (req.method === 'POST' && url.pathname === '/test/interrupt') {
    // What a crash or a lost lease leaves in the log: the run's terminal event, written by the system.
    const input = InterruptBody.parse(await body(req));
    await store.append(input.session, [{ type: 'run.interrupted', runId: input.runId, reason: 'the server restarted while the run was going' }]);
    return send(res, 200, { interrupted: input.runId });
  }
  if (req.method === 'GET' && url.pathname === '/test/upgrades') {
    // WebSocket upgrade requests so far: how many sockets the pages opened.
    return send(res, 200, { upgrades });
  }
  if (req.method === 'GET' && url.pathname === '/test/footprint') {
    // WebSockets open now, and the heap after a full collection (when the process exposes gc).
    const collect = (globalThis as { gc?: () => void }).gc;
    collect?.();
    collect?.();
    return send(res, 200, { openSockets, subscriptions: await openSubscriptions(), heapUsed: process.memoryUsage().heapUsed, collected: collect !== undefined });
  }
  if (req.method === 'POST' && url.pathname === '/test/release-hang') {
    // Lets every hanging research generation go on; later ones hang again.
    const released = hangRelease;
    hangRelease = deferred();
    released.resolve();
    return send(res, 200, { released: true });
  }
  if (req.method === 'GET' && url.pathname === '/test/log') {
    const session = SessionBody.parse({ session: url.searchParams.get('session') }).session;
    return send(res, 200, { records: await store.read(session, 0) });
  }
  send(res, 404, { error: 'no such test route' });
}

// Open SSE responses by session, so a test can kill them.
const streams = new Map<string, Set<ServerResponse>>();
const EVENTS_ROUTE = /^\/mt\/sessions\/([^/]+)\/events$/;

const listener = createNodeListener(server);
const http = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname.startsWith('/test/')) {
    testApi(req, res, url).catch((error: unknown) => send(res, 400, { error: error instanceof Error ? error.message : String(error) }));
    return;
  }
  const stream = req.method === 'GET' ? EVENTS_ROUTE.exec(url.pathname) : null;
  if (stream) {
    const session = decodeURIComponent(stream[1]!);
    const set = streams.get(session) ?? new Set();
    set.add(res);
    streams.set(session, set);
    res.once('close', () => set.delete(res));
  }
  listener(req, res);
});
const sockets = attachWebSocket(http, server);
let upgrades = 0;
let openSockets = 0;
http.on('upgrade', (_request, socket) => {
  upgrades += 1;
  openSockets += 1;
  socket.once('close', () => (openSockets -= 1));
});

http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  if (address && typeof address === 'object') process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  sockets.close();
  await server.close().catch(() => undefined);
  http.close();
  await workspaces.close().catch(() => undefined);
  await store.close().catch(() => undefined);
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// The runner's pipe closing means it is gone: do not outlive it.
process.stdin.on('end', () => void stop());
process.stdin.resume();
