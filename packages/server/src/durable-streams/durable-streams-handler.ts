import type { IncomingMessage, ServerResponse } from 'node:http';
import { SessionIdSchema, type Capability } from '@marketing-team/core';
import { z } from 'zod';
import type { SessionStore } from '../stores/session-store.js';
import { serveGenericStream } from './_generic-streams.js';
import { streamRequestOfNode, urlOfNodeRequest, writeNodeReply } from './_node-exchange.js';
import { baseHeaders, errorReply, preflightHeaders } from './_protocol-http.js';
import { serveSessionStream } from './_session-streams.js';
import { StreamEngine } from './_stream-engine.js';
import { StreamHttpError } from './_stream-error.js';
import { streamRequestOfWeb, webResponseOf, type StreamReply, type StreamRequest } from './_stream-exchange.js';
import { normalizeStreamPath } from './_stream-path.js';
import type { DurableStreamsRequest } from './durable-streams-request.js';
import type { StreamStore } from './stream-store.js';

/** What a request wants to do, as handed to {@link DurableStreamsHandlerOptions.authorize}. */
export interface DurableStreamsAccess {
  /** `read` covers GET (catch-up, long-poll, SSE) and HEAD. */
  operation: 'create' | 'append' | 'read' | 'delete';
  target: { kind: 'session'; session: string } | { kind: 'stream'; path: string };
}

/**
 * Verifies a session token for one session (the `TokenIssuer` of `createTokenIssuer` fits):
 * resolves with what it grants; rejects when the token is invalid, expired or for another
 * session (an error whose `code` is `forbidden` becomes 403, anything else 401).
 */
export interface SessionTokenVerifier {
  verify(token: string, session: string): Promise<{ capabilities: readonly Capability[] }>;
}

/** Options of {@link createDurableStreamsHandler}. */
export interface DurableStreamsHandlerOptions {
  /** The session logs, served read-only under `sessionPrefix`. */
  store: SessionStore;
  /** Storage of generic streams; without it only session streams are served. */
  streams?: StreamStore;
  /** URL path the handler is mounted at, e.g. `/mt/streams` (default: the root). */
  basePath?: string;
  /** Where session logs live below the base path (default `/sessions/`). */
  sessionPrefix?: string;
  /**
   * Session tokens (`Authorization: Bearer <token>` or `?token=`): a session stream is readable
   * with a token for that session that grants `read`.
   */
  tokens?: SessionTokenVerifier;
  /**
   * Decides every request the tokens do not settle: all generic-stream operations, and session
   * reads when no `tokens` are configured. Without it those requests are refused (403). The
   * Web handler passes its `Request`; `handler.node` a view of Node's request with the same
   * `method`, `url`, `headers.get`/`has` and `signal`.
   */
  authorize?: (request: DurableStreamsRequest, access: DurableStreamsAccess) => boolean | Promise<boolean>;
  /** Origins allowed to call cross-origin (`*` for any); same-origin calls are always allowed. */
  allowedOrigins?: '*' | readonly string[];
  /** How long a long-poll waits, and how often an idle SSE stream gets a keep-alive (default 20 s). */
  longPollTimeoutMs?: number;
  /** SSE responses end after this long so caches can collapse readers (default 60 s). */
  sseMaxDurationMs?: number;
  /**
   * SSE responses end after about this many bytes (default 8 MiB, like a WebSocket's unsent-bytes
   * limit); the reader goes on from the last offset it was given. SSE responses are read at the
   * reader's pace either way: a reader that stops reading stops the store reads.
   */
  sseMaxBytes?: number;
  /** Largest accepted append or create body (default 16 MiB; larger gets 413). */
  maxAppendBytes?: number;
  /** A catch-up page of a generic stream stops after about this many bytes (default 1 MiB). */
  maxReadBytes?: number;
  /** A catch-up page of a session stream holds at most this many records (default 1000). */
  maxRecordsPerRead?: number;
  /** Generic streams stored at once (default 10 000); creating another is 507. */
  maxStreams?: number;
  /** Bytes one generic stream may hold (default 256 MiB); an append past it is 413. */
  maxStreamBytes?: number;
  /**
   * Expired generic streams are removed at most this often (default 60 s), by the next request
   * after the interval, whether or not anyone reads them again. Call `handler.sweepExpired()` on
   * a schedule of your own to remove them from a server that gets no requests.
   */
  sweepIntervalMs?: number;
}

/**
 * Answers a request under the base path, or `undefined` when the request is not for it.
 * `sweepExpired()` removes the generic streams that have expired and says how many.
 * `node(req, res)` serves Node's request and response directly, with no Web `Request` or
 * `Response` made per request (the same routes, the same engine); it resolves `false`, having
 * written nothing, when the request is not under the base path.
 */
export type DurableStreamsHandler = ((request: Request) => Promise<Response | undefined>) & {
  sweepExpired(): Promise<number>;
  node(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
};

const functionSchema = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', 'expected a function');
const objectWith = (...methods: string[]) =>
  z.custom<object>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
    `expected an object with ${methods.join(', ')}`,
  );

const OptionsSchema = z.object({
  store: objectWith('read', 'head', 'subscribe', 'firstOffset', 'loadSnapshot'),
  streams: objectWith('getStream', 'commit', 'readMessages').optional(),
  basePath: z
    .string()
    .regex(/^(\/[^/?#]+)*\/?$/, 'use a URL path such as /mt/streams')
    .default(''),
  sessionPrefix: z
    .string()
    .regex(/^\/([^/?#]+\/)+$/, 'use a path that starts and ends with /, such as /sessions/')
    .default('/sessions/'),
  tokens: objectWith('verify').optional(),
  authorize: functionSchema.optional(),
  allowedOrigins: z.union([z.literal('*'), z.array(z.string().url())]).optional(),
  longPollTimeoutMs: z.number().int().min(100).max(300_000).default(20_000),
  sseMaxDurationMs: z.number().int().min(100).max(3_600_000).default(60_000),
  sseMaxBytes: z.number().int().min(1024).default(8 * 1024 * 1024),
  maxAppendBytes: z.number().int().positive().default(16 * 1024 * 1024),
  maxReadBytes: z.number().int().positive().default(1024 * 1024),
  maxRecordsPerRead: z.number().int().positive().max(100_000).default(1000),
  maxStreams: z.number().int().positive().default(10_000),
  maxStreamBytes: z.number().int().positive().default(256 * 1024 * 1024),
  sweepIntervalMs: z.number().int().min(1).max(86_400_000).default(60_000),
});

/**
 * Serves the open Durable Streams protocol as a Web-standard handler: session logs as
 * read-only JSON streams, and (with a `streams` store) generic streams created through the
 * protocol: create, append, close, fork, read (catch-up, long-poll, SSE), HEAD, DELETE, TTL and
 * idempotent producers. Mount it under any base path on any adapter.
 */
export function createDurableStreamsHandler(options: DurableStreamsHandlerOptions): DurableStreamsHandler {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`createDurableStreamsHandler: ${issue?.path.join('.') || '(options)'}: ${issue?.message}`);
  }
  const config = parsed.data;
  const basePath = config.basePath.replace(/\/$/, '');
  const engine = options.streams ? new StreamEngine(options.streams, { maxStreams: config.maxStreams, maxStreamBytes: config.maxStreamBytes }) : undefined;
  let sweptAt = Date.now();
  let sweeping: Promise<number> | undefined;
  const sweepExpired = (): Promise<number> => {
    if (!engine) return Promise.resolve(0);
    sweptAt = Date.now();
    // One sweep at a time; a caller during one gets its result.
    sweeping ??= engine.sweepExpired().finally(() => (sweeping = undefined));
    return sweeping;
  };
  const sessionStore = options.store;

  const checkToken = async (request: StreamRequest, session: string): Promise<void> => {
    const token = bearerToken(request);
    if (!token) throw new StreamHttpError(401, 'authorization: a session token is required', { 'www-authenticate': 'Bearer' });
    let grant: Awaited<ReturnType<SessionTokenVerifier['verify']>>;
    try {
      grant = await options.tokens!.verify(token, session);
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === 'forbidden') {
        throw new StreamHttpError(403, 'authorization: the token does not grant this session');
      }
      throw new StreamHttpError(401, 'authorization: the token is invalid or expired', { 'www-authenticate': 'Bearer' });
    }
    if (!grant.capabilities.includes('read')) {
      throw new StreamHttpError(403, 'authorization: the token does not grant reading this session');
    }
  };

  /**
   * Throws (or rejects) unless the request may do `access`. A hook that answers at once is
   * settled at once: most appends are checked without a promise.
   */
  const check = (request: StreamRequest, access: DurableStreamsAccess): Promise<void> | undefined => {
    if (access.target.kind === 'session' && options.tokens) return checkToken(request, access.target.session);
    if (!options.authorize) throw new StreamHttpError(403, 'forbidden');
    const allowed = options.authorize(request.requestForAuthorize(), access);
    if (typeof allowed !== 'boolean') {
      return Promise.resolve(allowed).then((granted) => {
        if (!granted) throw new StreamHttpError(403, 'forbidden');
      });
    }
    if (!allowed) throw new StreamHttpError(403, 'forbidden');
    return undefined;
  };

  const isMine = (url: URL): boolean => url.pathname === basePath || url.pathname.startsWith(`${basePath}/`);

  /** Every request, from either runtime, goes through here. */
  const serve = async (request: StreamRequest): Promise<StreamReply> => {
    const url = request.url;
    const relative = url.pathname.slice(basePath.length) || '/';
    // Expired streams would otherwise stay stored until someone reads them: sweep in the
    // background now and then, without holding up this request.
    if (engine && Date.now() - sweptAt >= config.sweepIntervalMs) void sweepExpired().catch(() => undefined);

    const origin = request.header('origin');
    let corsOrigin: string | undefined;
    if (origin !== null && origin !== url.origin) {
      const allowed = config.allowedOrigins === '*' || (config.allowedOrigins ?? []).includes(origin);
      if (!allowed) return errorReply(new StreamHttpError(403, 'origin: not allowed'), baseHeaders(undefined));
      corsOrigin = config.allowedOrigins === '*' ? '*' : origin;
    } else if (config.allowedOrigins === '*') {
      corsOrigin = '*';
    }
    const base = baseHeaders(corsOrigin);

    try {
      if (request.method === 'OPTIONS') {
        return { status: 204, headers: { ...base, ...preflightHeaders() } };
      }
      if (relative.startsWith(config.sessionPrefix)) {
        const rest = relative.slice(config.sessionPrefix.length);
        const [id, extra, ...more] = rest.split('/');
        const decoded = decodeSegment(id ?? '');
        if (decoded === undefined) throw new StreamHttpError(400, 'path: malformed percent-escape in the session id');
        const session = SessionIdSchema.safeParse(decoded);
        if (!session.success || more.length > 0 || (extra !== undefined && extra !== 'snapshot')) {
          throw new StreamHttpError(404, 'no such session stream');
        }
        const checking = check(request, { operation: 'read', target: { kind: 'session', session: session.data } });
        if (checking) await checking;
        return await serveSessionStream(request, session.data, extra === 'snapshot', {
          store: sessionStore,
          base,
          maxRecordsPerRead: config.maxRecordsPerRead,
          longPollTimeoutMs: config.longPollTimeoutMs,
          sseMaxDurationMs: config.sseMaxDurationMs,
          sseMaxBytes: config.sseMaxBytes,
        });
      }
      if (!engine) throw new StreamHttpError(404, 'stream not found');
      const path = normalizeStreamPath(relative);
      if (path === undefined) throw new StreamHttpError(400, 'path: not a valid stream path');
      const checking = check(request, { operation: operationOf(request.method), target: { kind: 'stream', path } });
      if (checking) await checking;
      return await serveGenericStream(request, path, {
        engine,
        base,
        location: `${url.origin}${url.pathname}`,
        maxAppendBytes: config.maxAppendBytes,
        maxReadBytes: config.maxReadBytes,
        longPollTimeoutMs: config.longPollTimeoutMs,
        sseMaxDurationMs: config.sseMaxDurationMs,
        sseMaxBytes: config.sseMaxBytes,
      });
    } catch (error) {
      if (error instanceof StreamHttpError) return errorReply(error, base);
      // Never crash the host: an unexpected failure is a 500 that stored nothing new.
      return errorReply(new StreamHttpError(500, 'internal error'), base);
    }
  };

  const handler = async (request: Request): Promise<Response | undefined> => {
    const url = new URL(request.url);
    if (!isMine(url)) return undefined;
    return webResponseOf(await serve(streamRequestOfWeb(request, url)));
  };

  const node = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = urlOfNodeRequest(req);
    if (url !== undefined && !isMine(url)) return false;
    try {
      // A request Node accepted but a URL cannot hold (a malformed Host header, for one) is a 400.
      const reply =
        url === undefined
          ? errorReply(new StreamHttpError(400, 'url: not a valid request target or Host'), baseHeaders(undefined))
          : await serve(streamRequestOfNode(req, res, url));
      const writing = writeNodeReply(reply, res);
      if (writing) await writing;
    } catch {
      // Never reject into the host's listener (an unhandled rejection would end the process).
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    }
    return true;
  };

  return Object.assign(handler, { sweepExpired, node });
}

function operationOf(method: string): DurableStreamsAccess['operation'] {
  switch (method) {
    case 'PUT':
      return 'create';
    case 'POST':
      return 'append';
    case 'DELETE':
      return 'delete';
    default:
      return 'read';
  }
}

/** A URL path segment decoded, or undefined for a malformed escape (`%E0%A4%A`): a bad request, not a failure. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function bearerToken(request: StreamRequest): string | undefined {
  const header = request.header('authorization');
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (match) return match[1];
  return request.url.searchParams.get('token') ?? undefined;
}
