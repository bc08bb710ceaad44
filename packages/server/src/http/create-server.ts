import {
  CapabilitySchema,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_WORKSPACE_ID,
  PROTOCOL_VERSION,
  IdSchema,
  ProtocolError,
  SessionIdSchema,
  WorkspaceIdSchema,
  protocolErrorFromZod,
  studioSessionId,
  workspaceOfStudioSession,
  type Capability,
  type ModelProvider,
  type TelemetryReport,
} from '@marketing-team/core';
import { z } from 'zod';
import { MemoryRevocationList, type RevocationList } from '../auth/revocation-list.js';
import { createTokenIssuer, type TokenIssuer, type TokenIssuerOptions } from '../auth/token-issuer.js';
import { LimitsSchema, type LimitsOptions } from '../limits/limit-options.js';
import { Limiter } from '../limits/limiter.js';
import { limitLauncher } from '../limits/limited-launcher.js';
import type { RunLeases } from '../cluster/run-leases.js';
import { createDraftRuntime } from '../runtime/draft-runtime.js';
import { exportRunZip } from '../runtime/export-run.js';
import type { ClusterViewers } from '../cluster/cluster-viewers.js';
import type { RunLauncher } from '../runtime/run-launcher.js';
import { SessionHub } from '../sessions/session-hub.js';
import { clientAddressOf } from './_client-address.js';
import type { RetentionPolicy, SessionStore } from '../stores/session-store.js';
import type { WorkspaceStore } from '../workspaces/workspace-store.js';
import type { TeamZipLimits } from '../team-files/team-zip.js';
import { createWorkspaceRoutes } from './workspace-routes.js';
import { metricsRoute } from './_metrics-route.js';
import { countAppends, countSubscriptions } from '../metrics/_observed.js';
import { ServerMetrics } from '../metrics/server-metrics.js';
import { HTTP_STATUS, errorFrame } from '../transports/_errors.js';
import { readLimited } from '../transports/_read-limited.js';
import { isOriginAllowed, type OriginPolicy } from '../transports/origin-policy.js';
import { createSseTransport, grantOfRequest, type SseTransport } from '../transports/sse/sse-transport.js';
import type { TelemetrySink } from '../transports/telemetry-sink.js';
import { createWebSocketHooks, type RateLimitOptions, type WebSocketHooks } from '../transports/websocket/websocket-hooks.js';

/**
 * A fetch-style handler for extra routes mounted under the base path; `path` is what follows
 * its prefix. Answering `undefined` means "not mine" and yields a 404.
 */
export type RouteHandler = (request: Request, path: string) => Promise<Response | undefined> | Response | undefined;

/** What the host's `authorize` callback grants the caller of `POST <base>/tokens`. */
export interface TokenGrant {
  userId: string;
  userName?: string;
  /** Defaults to read, write and control. */
  capabilities?: Capability[];
  /** Defaults to 3600. */
  ttlSeconds?: number;
  /** The workspace the session belongs to; defaults to `default`. */
  workspace?: string;
}

/** Options of {@link createMarketingTeamServer}. */
export interface MarketingTeamServerOptions {
  store: SessionStore;
  /** The HMAC secret (and optional issuer/audience), or a ready {@link TokenIssuer}. */
  tokens: TokenIssuerOptions | TokenIssuer;
  /** Runs submitted briefs; without one, briefs are stored and nothing runs them. */
  launcher?: RunLauncher;
  /** Browser origins allowed to connect (WebSocket upgrades and cross-origin HTTP). */
  allowedOrigins: OriginPolicy;
  /** Where the routes are mounted, e.g. `/mt`; defaults to the root. */
  basePath?: string;
  /** Largest accepted frame or POST body; defaults to 64 KiB. */
  maxFrameBytes?: number;
  rateLimit?: RateLimitOptions;
  heartbeatMs?: number;
  /** Save a snapshot every this many events; defaults to 1000. */
  snapshotEvery?: number;
  /** See `SessionHubOptions.maxIdleSessions`: unused sessions kept in memory; defaults to 1000. */
  maxIdleSessions?: number;
  /** See `SessionHubOptions.retention`: applied after each snapshot; keeps every event by default. */
  retention?: RetentionPolicy;
  /** Sessions one WebSocket may follow at once; defaults to 64. */
  maxSessionsPerConnection?: number;
  /** Single-node deployments: record runs a previous process left running as interrupted. */
  interruptOrphanedRuns?: boolean;
  /** Several nodes: run ownership by lease (e.g. `RedisRunLeases`); see `SessionHubOptions.runLeases`. */
  runLeases?: RunLeases;
  /**
   * Several nodes: viewers connected to any node count for the `whenUnwatched` policies of the
   * runs this node runs (e.g. `RedisClusterViewers`); see `SessionHubOptions.clusterViewers`.
   */
  clusterViewers?: ClusterViewers;
  /** Unsent bytes after which a slow connection is dropped; defaults to 8 MiB. */
  maxBufferedBytes?: number;
  /** Least time between two presence updates of a session (changes are coalesced); defaults to 500 ms. */
  presenceIntervalMs?: number;
  /**
   * Opt-in `POST <base>/tokens` (body `{ "session": "…" }`): the host decides who gets a token.
   * Return the grant, or `null` to refuse with 401.
   */
  tokenRoute?: { authorize(request: Request, session: string): Promise<TokenGrant | null> | TokenGrant | null };
  /**
   * Quotas per principal, session and client address (connections, runs, briefs, stored bytes,
   * model budgets), each with a default; pass `redis` to share them between nodes.
   */
  limits?: LimitsOptions;
  /**
   * Revoked tokens, checked on subscribe, refresh and every write; defaults to one in this
   * process. Several nodes share a `RedisRevocationList`.
   */
  revocations?: RevocationList;
  /**
   * Workspaces (per-customer brand and team, versioned): mounts the workspace API at
   * `<base>/workspaces`, and binds each session to the workspace of the first token that opens
   * it, so a token of another workspace is refused on that session.
   */
  workspaces?: WorkspaceStore;
  /**
   * The model that writes the studio's drafts (`POST <base>/workspaces/:id/drafts`: a template's
   * Reference-Based analysis report, a brand kit from uploaded documents), streamed as durable runs
   * into the workspace's studio session, and answers `POST <base>/workspaces/:id/reference-analysis`;
   * for example the runtime's provider. Both routes are off without it.
   */
  analysisProvider?: ModelProvider;
  /** Largest workspace document accepted by the API; defaults to 4 MiB. */
  maxWorkspaceBytes?: number;
  /** Limits of a team zip import (entries, bytes per file, bytes in total); see `TeamZipLimits`. */
  teamZipLimits?: TeamZipLimits;
  /**
   * Opt-in `GET <base>/metrics` in the Prometheus text format: sockets, subscriptions and sessions
   * open, events stored and delivered, and the devices' delivery telemetry (time to first token,
   * gaps, resume and cancel-to-quiet histograms, reconnects, digest mismatches) by device kind.
   * A scraper sends `Authorization: Bearer <token>`; without this option the route answers 404.
   */
  metrics?: { token: string };
  /** Extra routes by path prefix under the base path (e.g. `{ '/streams': handler }`). */
  routes?: Record<string, RouteHandler>;
  onError?: (error: unknown) => void;
}

/** A mounted session server: a Web-standard fetch handler plus WebSocket hooks. */
export interface MarketingTeamServer {
  /** Handles `GET <base>/health`, the SSE fallback, the token route and extra routes. */
  fetch(request: Request): Promise<Response>;
  /** WebSocket hooks; the socket lives at `<base>/ws`. */
  websocket: WebSocketHooks & { readonly path: string };
  hub: SessionHub;
  /**
   * Mints tokens in the host's backend: `server.tokens.mint({ session, workspace, userId, capabilities, ttlSeconds })`.
   * With `workspaces`, its `verify` also refuses a token whose workspace is not the session's.
   */
  tokens: TokenIssuer;
  /** Revokes tokens (`revokeToken(jti, exp)`, `revokeSubject(userId)`); open connections holding them are closed. */
  revocations: RevocationList;
  /** The quotas in force. */
  limiter: Limiter;
  /**
   * Where devices' delivery telemetry goes (the `/metrics` figures), for a transport mounted
   * beside the server: `createAblyTransport({ telemetry: server.telemetry })`. Undefined without `metrics`.
   */
  readonly telemetry: TelemetrySink | undefined;
  readonly basePath: string;
  /** Mounts another route handler under the base path. */
  route(prefix: string, handler: RouteHandler): void;
  /** Closes connections (4004), records owned runs as interrupted and saves snapshots; the store stays open. */
  close(): Promise<void>;
}

const OptionsSchema = z.object({
  basePath: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)*\/?$/, 'use a path like /mt')
    .default(''),
  maxFrameBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(DEFAULT_MAX_FRAME_BYTES),
  heartbeatMs: z.number().int().min(100).max(600_000).default(15_000),
  snapshotEvery: z.number().int().positive().default(1000),
  maxBufferedBytes: z.number().int().positive().optional(),
  presenceIntervalMs: z.number().int().min(10).max(60_000).optional(),
  rateLimit: z.object({ messagesPerSecond: z.number().positive().optional(), burst: z.number().int().positive().optional() }).optional(),
  metrics: z.object({ token: z.string().min(16, 'use at least 16 characters').max(512) }).optional(),
});

const TokenRequestSchema = z.object({ session: SessionIdSchema });
const TokenGrantSchema = z.object({
  userId: z.string().min(1).max(200),
  userName: z.string().max(200).optional(),
  capabilities: z.array(CapabilitySchema).min(1).max(5).default(['read', 'write', 'control']),
  workspace: z.optional(WorkspaceIdSchema),
  ttlSeconds: z.number().int().positive().max(7 * 24 * 3600).default(3600),
});

const SESSION_ROUTE = /^\/sessions\/([^/]+)\/(events|messages|runs\/([^/]+)\/export\.zip)$/;

function isIssuer(tokens: TokenIssuerOptions | TokenIssuer): tokens is TokenIssuer {
  return typeof (tokens as TokenIssuer).mint === 'function' && typeof (tokens as TokenIssuer).verify === 'function';
}

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/**
 * Creates the session server: one Web-standard core (`fetch` + WebSocket hooks) that thin
 * adapters bind to Node's `http`, Express, Hono, Fastify or Next route handlers.
 */
export function createMarketingTeamServer(options: MarketingTeamServerOptions): MarketingTeamServer {
  const parsed = OptionsSchema.safeParse({
    basePath: options.basePath,
    maxFrameBytes: options.maxFrameBytes,
    heartbeatMs: options.heartbeatMs,
    snapshotEvery: options.snapshotEvery,
    maxBufferedBytes: options.maxBufferedBytes,
    rateLimit: options.rateLimit,
    metrics: options.metrics,
  });
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'options');
  const limits = LimitsSchema.safeParse(options.limits ?? {});
  if (!limits.success) throw protocolErrorFromZod(limits.error, 'options.limits');
  if (!options.store) throw new ProtocolError('bad_frame', 'options.store: required', 'options.store');
  if (!options.allowedOrigins) throw new ProtocolError('bad_frame', 'options.allowedOrigins: required', 'options.allowedOrigins');
  const settings = parsed.data;
  const basePath = settings.basePath.replace(/\/$/, '');
  const onError = options.onError ?? ((error: unknown) => console.error('[marketing-team]', error));
  const tokens = isIssuer(options.tokens) ? options.tokens : createTokenIssuer(options.tokens);
  const limiter = new Limiter(limits.data, onError);
  const revocations = options.revocations ?? new MemoryRevocationList();
  const workspaces = options.workspaces;
  // Every transport verifies through this (and `server.tokens` is this, so routes a host mounts
  // with it, such as the Durable Streams handler or Ably's token routes, do too): a revoked token
  // is refused, and with workspaces, a session belongs to the workspace of the first token that
  // opened it, and a token of any other workspace is refused.
  const bindings = new Map<string, string>();
  const workspaceOfSession = async (session: string, workspace: string): Promise<string> => {
    // Bindings never change, so a known one needs no store round trip.
    const known = bindings.get(session) ?? (await workspaces!.sessionWorkspace(session)) ?? (await workspaces!.bindSession(session, workspace));
    if (bindings.size >= 10_000) bindings.clear();
    bindings.set(session, known);
    return known;
  };
  // A studio session (`studio.<workspace>`) carries that workspace's drafts and saves: only a
  // token of that workspace opens it, whichever token came first.
  const checkStudioSession = (session: string, workspace: string): void => {
    const studioOf = workspaceOfStudioSession(session);
    if (studioOf !== undefined && studioOf !== workspace) {
      throw new ProtocolError('forbidden', 'token: the studio session belongs to another workspace', 'workspace');
    }
  };
  const refuseRevoked = async <Grant extends Parameters<RevocationList['isRevoked']>[0]>(grant: Grant): Promise<Grant> => {
    if (await revocations.isRevoked(grant)) throw new ProtocolError('unauthorized', 'token: revoked', 'token');
    return grant;
  };
  const sessionTokens: TokenIssuer = {
    mint: (mint) => tokens.mint(mint),
    verify: async (token, session) => {
      const grant = await tokens.verify(token, session);
      if (workspaces) {
        const workspace = grant.workspaceId ?? DEFAULT_WORKSPACE_ID;
        checkStudioSession(session, workspace);
        if ((await workspaceOfSession(session, workspace)) !== workspace) {
          throw new ProtocolError('forbidden', 'token: the session belongs to another workspace', 'workspace');
        }
      }
      return refuseRevoked(grant);
    },
    ...(tokens.verifyWorkspace ? { verifyWorkspace: async (token: string, workspace: string) => refuseRevoked(await tokens.verifyWorkspace!(token, workspace)) } : {}),
  };
  const clientAddress = limits.data.clientAddress ?? clientAddressOf;
  // Counted only when scraped: without `metrics`, the store and hub are used as they are.
  const metrics: ServerMetrics | undefined = settings.metrics ? new ServerMetrics({ sockets: () => hooks.size, subscriptions: () => subscriptions.open() }) : undefined;
  const hub = new SessionHub({
    store: metrics ? countAppends(options.store, metrics) : options.store,
    launcher: options.launcher ? limitLauncher(options.launcher, limiter, onError) : undefined,
    ...(workspaces && options.analysisProvider ? { drafts: limitLauncher(createDraftRuntime({ provider: options.analysisProvider }), limiter, onError) } : {}),
    snapshotEvery: settings.snapshotEvery,
    ...(options.maxIdleSessions !== undefined ? { maxIdleSessions: options.maxIdleSessions } : {}),
    ...(options.retention ? { retention: options.retention } : {}),
    ...(settings.presenceIntervalMs !== undefined ? { presenceIntervalMs: settings.presenceIntervalMs } : {}),
    interruptOrphanedRuns: options.interruptOrphanedRuns ?? false,
    ...(options.runLeases ? { runLeases: options.runLeases } : {}),
    ...(options.clusterViewers ? { clusterViewers: options.clusterViewers } : {}),
    onError,
  });
  const subscriptions: ReturnType<typeof countSubscriptions> = metrics ? countSubscriptions(hub, metrics) : { hub, open: () => ({ subscriptions: 0, sessions: 0 }) };
  const telemetry: TelemetrySink | undefined = metrics ? { report: (report: TelemetryReport) => metrics.report(report), dropped: () => metrics.dropped() } : undefined;
  const shared = {
    hub: subscriptions.hub,
    tokens: sessionTokens,
    maxFrameBytes: settings.maxFrameBytes,
    heartbeatMs: settings.heartbeatMs,
    onError,
    limiter,
    revocations,
    clientAddress,
    ...(settings.rateLimit ? { rateLimit: settings.rateLimit } : {}),
    ...(settings.maxBufferedBytes ? { maxBufferedBytes: settings.maxBufferedBytes } : {}),
    // Every transport hands the devices' telemetry to the same metrics, under the same limit.
    ...(telemetry ? { telemetry } : {}),
  };
  const hooks = createWebSocketHooks({
    ...shared,
    allowedOrigins: options.allowedOrigins,
    ...(options.maxSessionsPerConnection ? { maxSessionsPerConnection: options.maxSessionsPerConnection } : {}),
  });
  const sse: SseTransport = createSseTransport(shared);
  const routes = new Map<string, RouteHandler>();
  if (workspaces) {
    routes.set(
      '/workspaces',
      createWorkspaceRoutes({
        store: workspaces,
        tokens: sessionTokens,
        revocations,
        mountPath: `${basePath}/workspaces`,
        onError,
        ...(options.maxWorkspaceBytes ? { maxBodyBytes: options.maxWorkspaceBytes } : {}),
        ...(options.analysisProvider
          ? {
              analysisProvider: options.analysisProvider,
              submitDraft: async (workspaceId, grant, input) => {
                const session = studioSessionId(workspaceId);
                await workspaceOfSession(session, workspaceId);
                const acked = await hub.submitDraft(session, grant, { ...input, workspaceId });
                return { session, offset: acked.offset, duplicate: acked.duplicate };
              },
            }
          : {}),
        // every open editor of the workspace hears of each save through its studio session
        onSaved: async (version) => {
          await options.store.append(studioSessionId(version.workspaceId), [
            {
              type: 'workspace.saved',
              workspaceId: version.workspaceId,
              version: version.version,
              etag: version.etag,
              hash: version.hash,
              by: version.savedBy ? { kind: 'human', id: version.savedBy } : { kind: 'system' },
            },
          ]);
        },
        ...(options.teamZipLimits ? { zipLimits: options.teamZipLimits } : {}),
      }),
    );
  }
  for (const [prefix, handler] of Object.entries(options.routes ?? {})) routes.set(normalisePrefix(prefix), handler);
  const wsPath = `${basePath}/ws`;

  function cors(request: Request, response: Response): Response {
    const origin = request.headers.get('origin');
    if (origin === null || !isOriginAllowed(options.allowedOrigins, origin)) return response;
    const headers = new Headers(response.headers);
    headers.set('access-control-allow-origin', origin);
    headers.append('vary', 'Origin');
    // Keep what a mounted route exposes (Durable Streams reads `Stream-Next-Offset` this way).
    const exposed = headers.get('access-control-expose-headers');
    headers.set('access-control-expose-headers', exposed ? `content-type, etag, ${exposed}` : 'content-type, etag');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }

  async function tokenRoute(request: Request): Promise<Response> {
    if (!options.tokenRoute) return jsonResponse({ type: 'error', code: 'not_found', message: 'no such route' }, 404);
    try {
      const text = await readLimited(request, settings.maxFrameBytes);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new ProtocolError('bad_frame', 'body is not valid JSON');
      }
      const parsedBody = TokenRequestSchema.safeParse(body);
      if (!parsedBody.success) throw protocolErrorFromZod(parsedBody.error);
      const granted = await options.tokenRoute.authorize(request, parsedBody.data.session);
      if (!granted) throw new ProtocolError('unauthorized', 'not allowed to join this session');
      const grant = TokenGrantSchema.safeParse(granted);
      if (!grant.success) throw protocolErrorFromZod(grant.error, 'grant');
      const token = await tokens.mint({ session: parsedBody.data.session, ...grant.data });
      return jsonResponse({ token, expiresAt: Math.floor(Date.now() / 1000) + grant.data.ttlSeconds });
    } catch (error) {
      const frame = errorFrame(error, {}, onError);
      return jsonResponse(frame, frame.type === 'error' ? HTTP_STATUS[frame.code] : 500);
    }
  }

  /**
   * `GET /sessions/:id/runs/:runId/export.zip`: the run's package as one zip (Markdown, JSON, the
   * landing page as inert HTML, the banner as SVG and PNG, a README index), for a token with `read`.
   */
  async function runExport(request: Request, url: URL, session: string, rawRunId: string): Promise<Response> {
    try {
      const grant = await grantOfRequest(request, url, session, sessionTokens, revocations);
      if (!grant.capabilities.includes('read')) throw new ProtocolError('forbidden', 'token: needs the read capability', 'token');
      let runId = '';
      try {
        runId = decodeURIComponent(rawRunId);
      } catch {
        // A malformed escape is just another invalid id.
      }
      if (!IdSchema.safeParse(runId).success) throw new ProtocolError('bad_frame', 'runId: invalid id', 'runId');
      const { state } = await hub.snapshot(session);
      if (!state.runs[runId]) return jsonResponse({ type: 'error', code: 'not_found', message: `runId: no run "${runId}" in this session`, field: 'runId' }, 404);
      const zip = await exportRunZip(state, runId);
      return new Response(zip, {
        status: 200,
        headers: {
          'content-type': 'application/zip',
          'content-disposition': `attachment; filename="campaign-${runId}.zip"`,
          'cache-control': 'no-store',
        },
      });
    } catch (error) {
      const frame = errorFrame(error, {}, onError);
      return jsonResponse(frame, frame.type === 'error' ? HTTP_STATUS[frame.code] : 500);
    }
  }

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (basePath && url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) {
      return jsonResponse({ type: 'error', code: 'not_found', message: 'no such route' }, 404);
    }
    const path = url.pathname.slice(basePath.length) || '/';
    if (!isOriginAllowed(options.allowedOrigins, request.headers.get('origin'))) {
      return jsonResponse({ type: 'error', code: 'forbidden', message: 'origin not allowed' }, 403);
    }
    if (request.method === 'OPTIONS') {
      return new Response(null, {
        status: 204,
        headers: {
          'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
          'access-control-allow-headers': 'authorization, content-type, last-event-id, if-match, if-none-match',
          'access-control-max-age': '600',
        },
      });
    }
    if (path === '/health' && request.method === 'GET') {
      return jsonResponse({ ok: true, protocol: PROTOCOL_VERSION, connections: hooks.size });
    }
    if (path === '/tokens' && request.method === 'POST') return tokenRoute(request);
    if (path === '/metrics' && request.method === 'GET' && metrics && settings.metrics) return metricsRoute(request, metrics, settings.metrics.token);
    const match = SESSION_ROUTE.exec(path);
    if (match) {
      let session = '';
      try {
        session = decodeURIComponent(match[1]!);
      } catch {
        // A malformed escape is just another invalid id.
      }
      if (!SessionIdSchema.safeParse(session).success) {
        return jsonResponse({ type: 'error', code: 'bad_frame', message: 'session: invalid id', field: 'session' }, 400);
      }
      if (match[2] === 'events' && request.method === 'GET') return sse.events(request, session);
      if (match[2] === 'messages' && request.method === 'POST') return sse.messages(request, session);
      if (match[3] !== undefined && request.method === 'GET') return runExport(request, url, session, match[3]);
      return jsonResponse({ type: 'error', code: 'bad_frame', message: 'method not allowed' }, 405);
    }
    for (const [prefix, handler] of routes) {
      if (path === prefix || path.startsWith(`${prefix}/`)) {
        const response = await handler(request, path.slice(prefix.length) || '/');
        if (response) return response;
        break;
      }
    }
    return jsonResponse({ type: 'error', code: 'not_found', message: 'no such route' }, 404);
  }

  return {
    basePath,
    hub,
    tokens: sessionTokens,
    revocations,
    limiter,
    telemetry,
    websocket: Object.assign(hooks, { path: wsPath }),

    async fetch(request) {
      try {
        return cors(request, await route(request));
      } catch (error) {
        onError(error);
        return jsonResponse({ type: 'error', code: 'internal', message: 'the server failed' }, 500);
      }
    },

    route(prefix, handler) {
      routes.set(normalisePrefix(prefix), handler);
    },

    async close() {
      hooks.closeAll();
      sse.closeAll();
      await hub.close();
      await limiter.close().catch(onError);
    },
  };
}

function normalisePrefix(prefix: string): string {
  const trimmed = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  return trimmed === '/' ? '' : trimmed;
}
