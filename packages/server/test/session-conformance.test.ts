// The session conformance suite, unchanged on each transport: WebSocket and SSE + POST against
// the real server over real HTTP, and Ably through the stand-in of its service with the hub
// behind the Ably transport.
import * as Ably from 'ably';
import WebSocket from 'ws';
import { SseSocket } from '@marketing-team/core';
import { createTokenIssuer } from '../src/auth/token-issuer.js';
import { SessionHub } from '../src/sessions/session-hub.js';
import { MemoryStore } from '../src/stores/memory-store.js';
import { AblyStandIn } from '../src/transports/ably/ably-stand-in.js';
import { createAblyTransport } from '../src/transports/ably/ably-transport.js';
import { ablyAuthCallback } from '../src/transports/ably/client/ably-auth-callback.js';
import { fetchAblyRecovery } from '../src/transports/ably/client/ably-recovery.js';
import { createAblySessionSocket } from '../src/transports/ably/client/ably-session-socket.js';
import { postAblyTelemetry } from '../src/transports/ably/client/ably-telemetry.js';
import { ServerMetrics } from '../src/metrics/server-metrics.js';
import { describeSessionConformance } from '../src/transports/session-conformance.js';
import { ORIGIN, SECRET, startServer } from './_harness.js';

const METRICS_TOKEN = 'conformance-metrics-token-0123456789';

/** The server's `GET /metrics`, as a scraper reads it. */
async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

describeSessionConformance('WebSocket', async ({ launcher }) => {
  const store = new MemoryStore();
  const running = await startServer(store, { launcher, metrics: { token: METRICS_TOKEN } });
  return {
    url: running.wsUrl,
    WebSocket: class extends WebSocket {
      constructor(url: string) {
        super(url, { origin: ORIGIN });
      }
    },
    token: ({ session, userId, capabilities }) => running.token(session, capabilities, userId),
    metrics: () => scrape(running.url),
    async close() {
      await running.close();
      await store.close();
    },
  };
});

describeSessionConformance('SSE + POST', async ({ launcher }) => {
  const store = new MemoryStore();
  const running = await startServer(store, { launcher, metrics: { token: METRICS_TOKEN } });
  return {
    url: running.url,
    WebSocket: SseSocket,
    token: ({ session, userId, capabilities }) => running.token(session, capabilities, userId),
    metrics: () => scrape(running.url),
    async close() {
      await running.close();
      await store.close();
    },
  };
});

const KEY = 'suiteapp.key0001:c3VpdGUtc2VjcmV0LWZvci10aGUtc3RhbmQtaW4';

describeSessionConformance('Ably (stand-in)', ({ launcher }) => {
  const store = new MemoryStore();
  const hub = new SessionHub({ store, launcher });
  const tokens = createTokenIssuer({ secret: SECRET });
  const standIn = new AblyStandIn({ key: KEY });
  // The metrics a server with `metrics` keeps; the transport hands them its devices' telemetry (`server.telemetry`).
  const metrics = new ServerMetrics({ sockets: () => 0, subscriptions: () => ({ subscriptions: 0, sessions: 0 }) });
  const telemetry = { report: metrics.report.bind(metrics), dropped: metrics.dropped.bind(metrics) };
  const transport = createAblyTransport({ ably: standIn.keyClient(new Ably.Rest({ key: KEY }).auth), store, tokens, hub, telemetry, onError: () => undefined });
  const base = 'http://server.test/mt';
  // The host's `/ably` routes, called in-process: the same Request -> Response handlers it mounts.
  const fetchVia = (path: string) => async (input: string | URL | Request, init?: RequestInit) => transport.route(new Request(input, init), path);
  const Socket = createAblySessionSocket({
    ably: (session, auth) => standIn.realtime({ authCallback: ablyAuthCallback({ baseUrl: base, session, getToken: auth.getToken, fetch: fetchVia('/token') }) }),
    recover: fetchAblyRecovery({ baseUrl: base, fetch: fetchVia('/recover') }),
    telemetry: postAblyTelemetry({ baseUrl: base, fetch: fetchVia('/telemetry') }),
  });
  return {
    url: `${base}/ws`,
    WebSocket: Socket,
    token: ({ session, userId, capabilities }) => tokens.mint({ session, userId, capabilities, ttlSeconds: 600 }),
    metrics: () => metrics.text(),
    async close() {
      await transport.close();
      await hub.close();
      standIn.close();
      await store.close();
    },
  };
});
