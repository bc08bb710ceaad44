import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createNodeWebSocket } from '@hono/node-ws';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SessionClient, type SessionRecord } from '@marketing-team/core';
import { expressHandler } from '../src/http/adapters/express.js';
import { fastifyMarketingTeam } from '../src/http/adapters/fastify.js';
import { honoHandler, honoWebSocket } from '../src/http/adapters/hono.js';
import { toNextRouteHandlers } from '../src/http/adapters/next.js';
import { attachWebSocket, createNodeListener, toWebRequest, writeWebResponse } from '../src/http/adapters/node.js';
import { createMarketingTeamServer, type MarketingTeamServer } from '../src/http/index.js';
import { createScriptedProducer, type RunLauncher } from '../src/runtime/index.js';
import { MemoryStore } from '../src/stores/index.js';
import { MemoryWorkspaceStore } from '../src/workspaces/index.js';
import { ORIGIN, SECRET, readAll, readEventStream, until } from './_harness.js';

/** A host app built with one framework, listening on a random port. */
interface HostApp {
  /** Origin of the app, e.g. `http://127.0.0.1:4321`. */
  origin: string;
  /** False where the framework cannot upgrade (Next route handlers). */
  websocket: boolean;
  close(): Promise<void>;
}

type StartHostApp = (server: MarketingTeamServer) => Promise<HostApp>;

function listening(http: Server): Promise<string> {
  return new Promise((resolve) => {
    const done = () => resolve(`http://127.0.0.1:${(http.address() as AddressInfo).port}`);
    if (http.listening) done();
    else http.once('listening', done);
  });
}

function closeHttp(http: Server): Promise<void> {
  http.closeAllConnections();
  return new Promise((resolve) => http.close(() => resolve()));
}

const hosts: Record<string, { basePath: string; start: StartHostApp }> = {
  node: {
    basePath: '/mt',
    async start(server) {
      const listener = createNodeListener(server);
      const http = createServer((req, res) => (req.url === '/' ? void res.end('host home') : listener(req, res))).listen(0, '127.0.0.1');
      const websocket = attachWebSocket(http, server);
      return { origin: await listening(http), websocket: true, close: () => (websocket.close(), closeHttp(http)) };
    },
  },
  express: {
    basePath: '/api/marketing',
    async start(server) {
      const app = express();
      // A host app's usual JSON parser runs first: the adapter must reuse the parsed body.
      app.use(express.json());
      app.get('/', (_req, res) => void res.send('host home'));
      app.use('/api', expressHandler(server));
      app.use((_req, res) => void res.status(404).send('host 404'));
      const http = app.listen(0, '127.0.0.1');
      const websocket = attachWebSocket(http, server);
      return { origin: await listening(http), websocket: true, close: () => (websocket.close(), closeHttp(http)) };
    },
  },
  fastify: {
    basePath: '/v1/team',
    async start(server) {
      const app = Fastify();
      app.get('/', async () => 'host home');
      await app.register(fastifyMarketingTeam(server));
      await app.listen({ port: 0, host: '127.0.0.1' });
      return {
        origin: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
        websocket: true,
        close: async () => {
          app.server.closeAllConnections();
          await app.close();
        },
      };
    },
  },
  hono: {
    basePath: '/mt',
    async start(server) {
      const app = new Hono();
      const { injectWebSocket, upgradeWebSocket } = createNodeWebSocket({ app });
      app.get('/', (c) => c.text('host home'));
      app.get('/mt/ws', honoWebSocket(server, upgradeWebSocket));
      app.all('/mt/*', honoHandler(server));
      const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
      injectWebSocket(http);
      return { origin: await listening(http), websocket: true, close: () => closeHttp(http) };
    },
  },
  next: {
    basePath: '/mt',
    async start(server) {
      // What `next start` does for `app/mt/[...path]/route.ts`: a Web Request to the exported method.
      const handlers = toNextRouteHandlers(server);
      const http = createServer((req, res) => {
        const handler = handlers[req.method as keyof typeof handlers];
        if (!handler || !req.url?.startsWith('/mt/')) return void res.writeHead(405).end();
        void handler(toWebRequest(req, res)).then((response) => writeWebResponse(response, res));
      }).listen(0, '127.0.0.1');
      return { origin: await listening(http), websocket: false, close: () => closeHttp(http) };
    },
  },
};

const fast = createScriptedProducer({ deltas: 120, deltasPerSecond: 4_000, tasks: 2 });
const slow = createScriptedProducer({ deltas: 100_000, deltasPerSecond: 200 });
/** Briefs whose goal starts with "slow" run long enough to be cancelled. */
const launcher: RunLauncher = { launch: (context) => (context.brief.goal.startsWith('slow') ? slow : fast).launch(context) };

interface StreamEvent {
  event: string;
  id?: string;
  data: string;
}

/** Follows a session's SSE stream in the background, keeping every record it delivers. */
function follow(url: string, token: string, lastEventId?: number) {
  const abort = new AbortController();
  const events: StreamEvent[] = [];
  const done = readEventStream(url, { token, signal: abort.signal, ...(lastEventId !== undefined ? { lastEventId } : {}) }, (event) => events.push(event));
  return {
    events,
    records: () => events.filter((event) => event.event === 'message').map((event) => JSON.parse(event.data) as SessionRecord),
    async stop() {
      abort.abort();
      await done;
    },
  };
}

function terminal(records: SessionRecord[], runId: string): string | undefined {
  return records.find((record) => 'runId' in record.event && record.event.runId === runId && /^run\.(completed|cancelled|failed)$/.test(record.event.type))?.event.type;
}

/** The shared suite, run unchanged against each framework's host app. */
function adapterSuite(name: string, host: { basePath: string; start: StartHostApp }) {
  describe(`${name} adapter`, () => {
    let store: MemoryStore;
    let server: MarketingTeamServer;
    let app: HostApp;
    let base: string;
    const token = (session: string) => server.tokens.mint({ session, userId: 'user-1', capabilities: ['read', 'write', 'control'], ttlSeconds: 600 });
    // JSON bodies meet the host's body parser where it has one; `fetch` sends a string as text/plain.
    const post = async (session: string, frame: Record<string, unknown>, contentType = 'application/json') => {
      const response = await fetch(`${base}/sessions/${session}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await token(session)}`, 'content-type': contentType },
        body: JSON.stringify({ session, ...frame }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    beforeAll(async () => {
      store = new MemoryStore();
      server = createMarketingTeamServer({
        store,
        workspaces: new MemoryWorkspaceStore(),
        launcher,
        tokens: { secret: SECRET },
        allowedOrigins: [ORIGIN],
        basePath: host.basePath,
        onError: () => undefined,
      });
      app = await host.start(server);
      base = `${app.origin}${host.basePath}`;
    });

    afterAll(async () => {
      await app?.close();
      await server?.close();
      await store?.close();
    });

    it('serves the routes under its base path and leaves the rest to the host', async () => {
      expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ ok: true });
      const preflight = await fetch(`${base}/sessions/s1/messages`, { method: 'OPTIONS', headers: { origin: ORIGIN } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      const foreign = await fetch(`${base}/health`, { headers: { origin: 'http://evil.example' } });
      expect(foreign.status).toBe(403);
      if (name !== 'next') expect(await (await fetch(`${app.origin}/`)).text()).toBe('host home');
    });

    it('serves the workspace API: a PUT body through the host, ETag and If-Match back', async () => {
      const admin = await server.tokens.mint({ workspace: `ws-${name}`, userId: 'marketer', capabilities: ['admin'], ttlSeconds: 600 });
      const url = `${base}/workspaces/ws-${name}`;
      const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
      const brand = { name: 'Acme', voiceGuide: 'Plain.', styleGuide: 'Short.', strategy: 'Grow.', audience: 'Teams.', products: [{ name: 'Acme App' }] };
      const created = await fetch(url, { method: 'PUT', headers: { ...headers, 'if-none-match': '*' }, body: JSON.stringify({ brand }) });
      expect(created.status).toBe(201);
      const etag = created.headers.get('etag')!;
      const read = await fetch(url, { headers });
      expect(read.headers.get('etag')).toBe(etag);
      expect(((await read.json()) as { document: { brand: { name: string } } }).document.brand.name).toBe('Acme');
      const stale = await fetch(`${url}/brand`, { method: 'PUT', headers: { ...headers, 'if-match': '"1-0000000000000000"' }, body: JSON.stringify(brand) });
      expect(stale.status).toBe(409);
      const invalid = await fetch(`${url}/brand`, { method: 'PUT', headers: { ...headers, 'if-match': etag }, body: JSON.stringify({ ...brand, name: '' }) });
      expect(await invalid.json()).toMatchObject({ code: 'bad_frame', field: 'brand.name' });
    });

    it('runs a campaign over WebSocket to run.completed, and refuses a foreign Origin', async (context) => {
      // Next.js route handlers cannot upgrade to WebSocket; that adapter is covered over SSE + POST.
      if (!app.websocket) return context.skip();
      const wsUrl = `${base.replace(/^http/, 'ws')}/ws`;
      const refused = await new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(wsUrl, { origin: 'http://evil.example' });
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.once('open', () => reject(new Error('upgraded a foreign origin')));
        socket.once('error', () => undefined);
      });
      expect(refused).toBe(403);

      const client = new SessionClient({ url: wsUrl, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
      try {
        const handle = client.session(`ws-${name}`, { token: await token(`ws-${name}`) });
        const { runId } = await handle.submitBrief({ goal: 'Launch the spring collection' });
        await until(() => handle.getState().runs[runId]?.status === 'completed', 20_000, 'run completed');
        const log = await readAll(store, `ws-${name}`);
        expect(handle.offset).toBe(log.length);
        expect(terminal(log, runId)).toBe('run.completed');
      } finally {
        client.close();
      }
    });

    it('runs a campaign over SSE + POST, then resumes from an offset with nothing lost or repeated', async () => {
      const session = `sse-${name}`;
      const stream = follow(`${base}/sessions/${session}/events`, await token(session), 0);
      await until(() => stream.events.some((event) => event.event === 'subscribed'), 10_000, 'subscribed');
      const runId = `run-${name}`;
      const ack = await post(session, { type: 'publish', clientMsgId: 'brief-1', event: { type: 'brief.submitted', runId, brief: { goal: 'Grow the newsletter' } } });
      expect(ack).toMatchObject({ status: 200, body: { type: 'ack', clientMsgId: 'brief-1', offset: 1 } });
      // A retried POST is applied once.
      expect((await post(session, { type: 'publish', clientMsgId: 'brief-1', event: { type: 'brief.submitted', runId, brief: { goal: 'Grow the newsletter' } } })).body).toMatchObject({ offset: 1 });
      await until(() => terminal(stream.records(), runId) !== undefined, 20_000, 'run ended');
      await stream.stop();
      const log = await readAll(store, session);
      expect(terminal(log, runId)).toBe('run.completed');
      expect(stream.records().map((record) => record.offset)).toEqual(log.map((record) => record.offset));

      const from = Math.floor(log.length / 2);
      const resumed = follow(`${base}/sessions/${session}/events`, await token(session), from);
      await until(() => resumed.records().at(-1)?.offset === log.length, 10_000, 'resumed to the head');
      await resumed.stop();
      expect(resumed.records()).toEqual(log.slice(from));
    });

    it('cancels a running run with a POSTed cancel; no content follows run.cancelled', async () => {
      const session = `cancel-${name}`;
      const stream = follow(`${base}/sessions/${session}/events`, await token(session), 0);
      const runId = `run-slow-${name}`;
      await post(session, { type: 'publish', clientMsgId: 'brief-1', event: { type: 'brief.submitted', runId, brief: { goal: 'slow: a long launch plan' } } });
      await until(() => stream.records().some((record) => record.event.type === 'text.delta'), 10_000, 'first tokens');
      const cancel = await post(session, { type: 'cancel', clientMsgId: 'cancel-1', runId, reason: 'enough' }, 'text/plain;charset=UTF-8');
      expect(cancel).toMatchObject({ status: 200, body: { type: 'ack', clientMsgId: 'cancel-1' } });
      await until(() => terminal(stream.records(), runId) !== undefined, 10_000, 'run ended');
      await stream.stop();
      const log = await readAll(store, session);
      const cancelled = log.findIndex((record) => record.event.type === 'run.cancelled');
      expect(cancelled).toBeGreaterThan(0);
      expect(log.slice(cancelled + 1).filter((record) => record.event.type === 'text.delta')).toEqual([]);
    });
  });
}

for (const [name, host] of Object.entries(hosts)) adapterSuite(name, host);
