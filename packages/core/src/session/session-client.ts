import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import '../protocol/_english-messages.js';
import {
  DEFAULT_MAX_FRAME_BYTES,
  IdSchema,
  PROTOCOL_VERSION,
  STATE_VERSION,
  ServerFrameSchema,
  SessionIdSchema,
  protocolErrorFromZod,
  type ClientFrame,
  type ServerFrame,
  type ServerFrameOf,
  type SessionRecord,
} from '../protocol/index.js';
import { BackoffOptionsSchema, backoffDelay, type BackoffOptions } from './backoff.js';
import { SessionClientError } from './client-errors.js';
import type { ConnectionState, ConnectionStatus } from './connection-state.js';
import { createId } from './_ids.js';
import { parseEventsLeniently } from './_lenient-events.js';
import { applyPresenceChange } from './_presence.js';
import { Outbox, type MessageAck } from './_outbox.js';
import { SessionEntry, type SessionAuth } from './_session-entry.js';
import { tokenExpiry } from './_token-expiry.js';
import { applyRecords, createSessionState } from './reducer.js';
import { SessionHandle, type SessionHandleHost } from './session-handle.js';
import type { SessionCache, SessionCacheOptions } from './session-cache.js';
import type { FetchLike, SseSocket } from './sse-socket.js';
import { WEBSOCKET_OPEN, type WebSocketConstructor, type WebSocketLike } from './websocket-like.js';

export type { SessionAuth } from './_session-entry.js';

/**
 * How a client reaches the server:
 * - `websocket`: one WebSocket for every session (protocol section 3);
 * - `sse`: the HTTP fallback, one Server-Sent Events stream per session and a POST per message
 *   (section 4), for hosts that cannot upgrade (Next.js route handlers, many serverless hosts);
 * - `auto` (the default): WebSocket, falling back to SSE for the client's lifetime when the
 *   upgrade is refused twice in a row while the server answers plain HTTP (and at once when
 *   there is no WebSocket constructor).
 */
export type TransportOption = 'websocket' | 'sse' | 'auto';

/** Options of {@link SessionClient}. */
export interface SessionClientOptions {
  /** WebSocket endpoint (`wss://host/mt/ws`); a relative URL or http(s) URL is resolved against the page. */
  url: string;
  /** Which transport to use; see {@link TransportOption}. Defaults to `auto`. */
  transport?: TransportOption;
  /**
   * Base of the HTTP routes the SSE transport uses (`https://host/mt`); defaults to `url` with
   * `ws(s):` made `http(s):` and the trailing `/ws` removed.
   */
  httpUrl?: string;
  /** `fetch` for the SSE transport and the upgrade probe; defaults to `globalThis.fetch`. */
  fetch?: FetchLike;
  /** WebSocket constructor; defaults to `globalThis.WebSocket` (pass `ws`'s in Node 20). */
  WebSocket?: WebSocketConstructor;
  /** Stable id of this device or tab, used for presence; random when absent. */
  clientId?: string;
  /** Reconnect delays; see {@link BackoffOptions}. */
  backoff?: Partial<BackoffOptions>;
  /** Heartbeat interval; defaults to the one the server announces in `welcome`. */
  heartbeatMs?: number;
  /**
   * After this many failed reconnect attempts, with the device online, the status turns
   * `unreachable` (the server is down or blocked, not a blip); defaults to 3.
   */
  unreachableAfterAttempts?: number;
  /**
   * A ping not answered (by any frame) within this long counts as a missed heartbeat: the socket
   * is treated as dead and replaced at once; defaults to 5 000 ms.
   */
  pongTimeoutMs?: number;
  /** Told about invalid server frames, refused handshakes and listeners that threw. */
  onError?: (error: SessionClientError) => void;
  /** Random source for jitter, in [0, 1); for tests. */
  random?: () => number;
  /**
   * Share one WebSocket among the tabs of this origin that use the same `url` and `partition`: a
   * leader tab (Web Locks) holds it and relays for the others (`BroadcastChannel`); when it
   * closes, another tab takes over and every session resumes from the offset it holds. Where
   * either API is missing (Node, old browsers), each client keeps its own socket. Defaults to false.
   */
  shareConnection?: boolean;
  /**
   * Keep each session's last state and every unacknowledged message in IndexedDB: a reload or
   * a new tab renders the state before the network answers and resumes from its offset, and a
   * message made offline or just before a reload is sent when the connection returns. `true`
   * for the default bounds. Without IndexedDB it does nothing; see {@link SessionClient.clearCache}.
   */
  cache?: boolean | SessionCacheOptions;
  /** Separates the shared connection and the cache of different users of one browser: pass the signed-in user's id. */
  partition?: string;
}

const OptionsSchema = z.object({
  url: z.string().check(z.minLength(1), z.maxLength(2048)),
  transport: z._default(z.enum(['websocket', 'sse', 'auto']), 'auto'),
  httpUrl: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  fetch: z.optional(z.custom<FetchLike>((value) => typeof value === 'function', 'expected a function')),
  WebSocket: z.optional(z.custom<WebSocketConstructor>((value) => typeof value === 'function', 'expected a WebSocket constructor')),
  clientId: z.optional(IdSchema),
  backoff: z.optional(z.unknown()),
  heartbeatMs: z.optional(z.number().check(z.int(), z.minimum(10), z.maximum(600_000))),
  unreachableAfterAttempts: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1000)), 3),
  pongTimeoutMs: z._default(z.number().check(z.int(), z.minimum(10), z.maximum(600_000)), 5_000),
  onError: z.optional(z.custom<(error: SessionClientError) => void>((value) => typeof value === 'function', 'expected a function')),
  random: z.optional(z.custom<() => number>((value) => typeof value === 'function', 'expected a function')),
  shareConnection: z.optional(z.boolean()),
  // Checked by the cache module when it loads (reported through onError), so pages without it stay small.
  cache: z.optional(z.unknown()),
  partition: z.optional(z.string()),
});

const AuthSchema = z.union([
  z.object({ token: z.string().check(z.minLength(1), z.maxLength(4096)) }),
  z.object({ getToken: z.custom<(session: string) => string | Promise<string>>((value) => typeof value === 'function', 'expected a function') }),
]);

const TokenSchema = z.string().check(z.minLength(1), z.maxLength(4096));

/** Close codes after which the server does not want us back (normal, unsupported version, abuse). */
const FINAL_CLOSE_CODES = new Set([1000, 4000, 4003]);
const UNAUTHORIZED_CLOSE = 4001;
/** Close code the client uses when the heartbeat finds the socket dead. */
const DEAD_SOCKET_CLOSE = 4002;
const DEFAULT_HEARTBEAT_MS = 15_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Never refresh a token more often than this, even if the server keeps handing out short ones. */
const MIN_REFRESH_DELAY_MS = 1_000;
let loadedSseSocket: typeof SseSocket | undefined;
let loadingSseSocket: Promise<typeof SseSocket> | undefined;

/** Loads the SSE transport on first use (see `SessionClient`'s `#connectOnceSseLoaded`). */
function loadSseSocket(): Promise<typeof SseSocket> {
  loadingSseSocket ??= import('./sse-socket.js').then((module) => (loadedSseSocket = module.SseSocket));
  // A failed load (a network blip fetching the chunk) may be retried on the next attempt.
  loadingSseSocket.catch(() => (loadingSseSocket = undefined));
  return loadingSseSocket;
}

/** With `transport: 'auto'`, upgrades refused in a row (the server answering HTTP meanwhile) before falling back to SSE. */
const REFUSED_UPGRADES_BEFORE_SSE = 2;

type WriteFrame = Extract<ClientFrame, { type: 'publish' | 'cancel' | 'steer' }>;

function invalidArgument(error: z.core.$ZodError, prefix: string): SessionClientError {
  const problem = protocolErrorFromZod(error, prefix);
  return new SessionClientError('invalid_argument', problem.message, problem.field !== undefined ? { field: problem.field } : {});
}

/** Resolves a URL against the page (when there is one). */
function parseUrl(url: string, field: string): URL {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return new URL(url, base);
  } catch {
    throw new SessionClientError('invalid_argument', `${field}: not a valid URL (relative URLs need a page to resolve against)`, { field });
  }
}

/** Resolves relative and http(s) URLs against the page, so `new SessionClient({ url: '/mt/ws' })` works in a browser. */
function resolveUrl(url: string): string {
  const resolved = parseUrl(url, 'url');
  if (resolved.protocol === 'http:') resolved.protocol = 'ws:';
  else if (resolved.protocol === 'https:') resolved.protocol = 'wss:';
  if (resolved.protocol !== 'ws:' && resolved.protocol !== 'wss:') {
    throw new SessionClientError('invalid_argument', 'url: use ws:, wss:, http: or https:', { field: 'url' });
  }
  return resolved.href;
}

/** The base of the HTTP routes: `httpUrl`, else the WebSocket URL as http(s) without its `/ws`. */
function resolveHttpUrl(socketUrl: string, httpUrl: string | undefined): string {
  const resolved = parseUrl(httpUrl ?? socketUrl.replace(/^ws/, 'http').replace(/\/ws\/?(?=$|[?#])/, ''), 'httpUrl');
  if (resolved.protocol !== 'http:' && resolved.protocol !== 'https:') {
    throw new SessionClientError('invalid_argument', 'httpUrl: use http: or https:', { field: 'httpUrl' });
  }
  return resolved.href.replace(/\/+$/, '');
}

/** True when `GET <httpUrl>/health` answers 2xx: the server is up, so a WebSocket that failed to open was refused. */
async function answersHttp(fetchImpl: FetchLike | undefined, httpUrl: string): Promise<boolean> {
  if (!fetchImpl) return false;
  try {
    const response = await fetchImpl(`${httpUrl}/health`, { cache: 'no-store' });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * The headless durable-session client: one WebSocket (or, where the server cannot upgrade, one
 * SSE stream per session and a POST per message) carrying any number of sessions, each
 * reduced to `SessionState` from the log, resumed from its last applied offset after every
 * disconnect, with client messages queued while offline and settled exactly once.
 */
export class SessionClient {
  /** Id this client sends in `hello`. */
  readonly clientId: string;
  readonly #url: string;
  readonly #httpUrl: string;
  readonly #fetch: FetchLike | undefined;
  readonly #transport: TransportOption;
  readonly #WebSocket: WebSocketConstructor | undefined;
  /** True once the client speaks SSE: chosen, or fallen back to. */
  #useSse: boolean;
  /** Upgrades refused in a row while the server answered HTTP (with `auto`). */
  #refusedUpgrades = 0;
  readonly #backoff: BackoffOptions;
  readonly #heartbeatOverride: number | undefined;
  readonly #unreachableAfterAttempts: number;
  readonly #pongTimeoutMs: number;
  readonly #onError: ((error: SessionClientError) => void) | undefined;
  readonly #random: () => number;

  readonly #entries = new Map<string, SessionEntry>();
  readonly #outbox = new Outbox();
  readonly #connectionListeners = new Set<() => void>();
  readonly #host: SessionHandleHost = {
    write: (entry, frame) => this.#write(entry, frame),
    release: (entry) => this.#release(entry),
    pending: (entry) => this.#outbox.of(entry.id),
  };
  /** The local cache, loading; undefined without the `cache` option. */
  readonly #cache: Promise<SessionCache | undefined> | undefined;
  /** Endpoint and partition of the tabs sharing a socket, until the tab-leader module is loaded. */
  #shareName: string | undefined;
  /** The shared socket's constructor once the tab-leader module is loaded. */
  #SharedSocket: WebSocketConstructor | undefined;

  #socket: WebSocketLike | undefined;
  /** Incremented for every socket; late callbacks of an older socket compare and stop. */
  #generation = 0;
  #welcomed = false;
  #everLive = false;
  #resuming = false;
  #heartbeatMs = DEFAULT_HEARTBEAT_MS;
  #maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  #lastFrameAt = 0;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #disconnectedSince: number | undefined;
  #closed = false;
  #connection: ConnectionState = { status: 'connecting', attempt: 0, queued: 0, transport: 'websocket' };
  #awaitingSse = false;
  readonly #onOnline = (): void => this.#networkChanged(true);
  readonly #onOffline = (): void => this.#networkChanged(false);

  /** Validates the options and opens the connection. Throws a `SessionClientError` naming the bad option. */
  constructor(options: SessionClientOptions) {
    const parsed = OptionsSchema.safeParse(options ?? {});
    if (!parsed.success) throw invalidArgument(parsed.error, 'options');
    const backoff = BackoffOptionsSchema.safeParse(parsed.data.backoff ?? {});
    if (!backoff.success) throw invalidArgument(backoff.error, 'options.backoff');
    const WebSocketImpl = parsed.data.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketImpl && parsed.data.transport === 'websocket') {
      throw new SessionClientError('invalid_argument', 'options.WebSocket: no global WebSocket here; pass one (for example from the ws package)', {
        field: 'options.WebSocket',
      });
    }
    this.#url = resolveUrl(parsed.data.url);
    this.#httpUrl = resolveHttpUrl(this.#url, parsed.data.httpUrl);
    const fetchImpl = parsed.data.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    // Called unbound: a browser's fetch throws when called as a method of another object.
    this.#fetch = fetchImpl ? (input, init) => fetchImpl(input, init) : undefined;
    this.#transport = parsed.data.transport;
    this.#WebSocket = WebSocketImpl;
    this.#useSse = parsed.data.transport === 'sse' || !WebSocketImpl;
    this.#connection = { ...this.#connection, transport: this.#useSse ? 'sse' : 'websocket' };
    this.#backoff = backoff.data;
    this.#heartbeatOverride = parsed.data.heartbeatMs;
    this.#unreachableAfterAttempts = parsed.data.unreachableAfterAttempts;
    this.#pongTimeoutMs = parsed.data.pongTimeoutMs;
    this.#onError = parsed.data.onError;
    this.#random = parsed.data.random ?? Math.random;
    this.clientId = parsed.data.clientId ?? createId('client');
    const scope = `${this.#url}\n${parsed.data.partition ?? ''}`;
    if (parsed.data.shareConnection) this.#shareName = scope;
    if (parsed.data.cache) {
      this.#cache = import('./session-cache.js').then((module) => module.openSessionCache(scope, parsed.data.cache)).catch((error: unknown) => {
        this.#report(error as SessionClientError);
        return undefined;
      });
    }
    const events = globalThis as { addEventListener?: (type: string, listener: () => void) => void };
    if (typeof events.addEventListener === 'function') {
      events.addEventListener('online', this.#onOnline);
      events.addEventListener('offline', this.#onOffline);
    }
    this.#connect();
  }

  /**
   * Subscribes to a session (or joins the existing subscription) and returns a handle on it.
   * Each handle counts as one reference; the session is unsubscribed when every handle on it is released.
   */
  session(id: string, auth: SessionAuth): SessionHandle {
    if (this.#closed) throw new SessionClientError('closed', 'the client is closed', { session: id });
    const session = SessionIdSchema.safeParse(id);
    if (!session.success) throw invalidArgument(session.error, 'session');
    const parsedAuth = AuthSchema.safeParse(auth);
    if (!parsedAuth.success) {
      throw new SessionClientError('invalid_argument', 'auth: pass { token } or { getToken }', { field: 'auth', session: id });
    }
    let entry = this.#entries.get(id);
    if (entry) {
      entry.auth = auth;
      // A subscription the server refused gets another chance with the auth just given.
      if (entry.phase === 'idle' && entry.error !== undefined && this.#welcomed) {
        entry.tokenStale = true;
        void this.#subscribe(entry);
      }
    } else {
      entry = new SessionEntry(id, auth);
      this.#entries.set(id, entry);
      if (this.#cache) entry.restored = this.#restore(entry);
      if (this.#welcomed) void this.#subscribe(entry);
    }
    entry.refs += 1;
    return new SessionHandle(entry, this.#host);
  }

  /** The connection's current state; the same object until something in it changes. */
  readonly getConnection = (): ConnectionState => this.#connection;

  /** Calls `listener` whenever {@link getConnection} changes; returns the unsubscribe function. */
  readonly subscribeConnection = (listener: () => void): (() => void) => {
    if (typeof listener !== 'function') throw new SessionClientError('invalid_argument', 'listener: expected a function', { field: 'listener' });
    this.#connectionListeners.add(listener);
    return () => {
      this.#connectionListeners.delete(listener);
    };
  };

  /**
   * Empties this browser's cache of sessions and its durable outbox, for every endpoint and user
   * (not only this client's): call it at sign-out. Resolves once they are gone.
   */
  async clearCache(): Promise<void> {
    const { clearSessionCache } = await import('./session-cache.js');
    await clearSessionCache((await this.#cache)?.indexedDB);
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Closes the socket, rejects unacknowledged messages with `closed`, and removes every listener
   * and timer. Closing never cancels anything on the server. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#dropSocket(1000, 'client closed');
    const events = globalThis as { removeEventListener?: (type: string, listener: () => void) => void };
    if (typeof events.removeEventListener === 'function') {
      events.removeEventListener('online', this.#onOnline);
      events.removeEventListener('offline', this.#onOffline);
    }
    for (const entry of this.#entries.values()) {
      this.#clearRefresh(entry);
      entry.clearListeners();
    }
    this.#entries.clear();
    this.#outbox.failAll(undefined, (clientMsgId) => new SessionClientError('closed', 'the client was closed', { clientMsgId }));
    this.#setConnection({ status: 'offline', queued: 0 });
    this.#connectionListeners.clear();
  }

  // ---- connection ----

  #connect(): void {
    if (this.#closed) return;
    this.#reconnectTimer = undefined;
    if (this.#useSse ? !loadedSseSocket : this.#shareName !== undefined) {
      this.#connectOnceLoaded();
      return;
    }
    const generation = ++this.#generation;
    this.#welcomed = false;
    let socket: WebSocketLike;
    let opened = false;
    try {
      socket = this.#useSse
        ? new loadedSseSocket!(this.#httpUrl, { ...(this.#fetch ? { fetch: this.#fetch } : {}), ...(this.#heartbeatOverride ? { heartbeatMs: this.#heartbeatOverride } : {}) })
        : new (this.#SharedSocket ?? this.#WebSocket!)(this.#url);
    } catch (error) {
      this.#report(new SessionClientError('internal', `could not open the socket: ${String(error)}`));
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    this.#lastFrameAt = Date.now();
    // The same timer first bounds the handshake, then sends pings and watches for silence.
    this.#startHeartbeat(this.#heartbeatOverride ?? DEFAULT_HEARTBEAT_MS);
    socket.onopen = () => {
      if (generation !== this.#generation) return;
      opened = true;
      this.#lastFrameAt = Date.now();
      this.#send({ type: 'hello', protocol: PROTOCOL_VERSION, clientId: this.clientId });
    };
    socket.onmessage = (event) => {
      if (generation !== this.#generation) return;
      this.#lastFrameAt = Date.now();
      this.#receive(event.data);
    };
    socket.onclose = (event) => {
      if (generation !== this.#generation) return;
      this.#dropSocket();
      if (!opened && !this.#useSse && this.#transport === 'auto') void this.#probeUpgrade(event.code);
      else this.#afterDisconnect(event.code);
    };
    // An error is always followed by a close, which is where reconnecting starts.
    socket.onerror = () => undefined;
  }

  /**
   * The SSE transport (and tab sharing) is a module of its own, loaded the first time a client needs it, so pages
   * that stay on WebSocket (most of them) never download it. Connects once it is there, unless
   * the client closed or something else connected or scheduled a retry meanwhile.
   */
  #connectOnceLoaded(): void {
    if (this.#awaitingSse) return;
    this.#awaitingSse = true;
    // The tab-leader module too: the socket shared by the tabs (none where they cannot share).
    (this.#useSse
      ? loadSseSocket()
      : import('./tab-leader.js').then((module) => {
          this.#SharedSocket = module.sharedSocketConstructor(this.#shareName!, this.#url, this.#WebSocket!);
          this.#shareName = undefined;
        })
    ).then(
      () => {
        this.#awaitingSse = false;
        if (!this.#closed && this.#socket === undefined && this.#reconnectTimer === undefined) this.#connect();
      },
      (error: unknown) => {
        this.#awaitingSse = false;
        this.#report(new SessionClientError('internal', `could not load the ${this.#useSse ? 'SSE transport' : 'tab sharing'}: ${String(error)}`));
        this.#scheduleReconnect();
      },
    );
  }

  /** The tab-leader module is loaded on first use too; where tabs cannot share, this client keeps its own socket. */
  /** Reads the cached state and the durable outbox of a new entry, and renders them at once. */
  async #restore(entry: SessionEntry): Promise<void> {
    const cache = await this.#cache;
    if (!(await cache?.restore(entry, this.#outbox))) return;
    this.#setConnection({ queued: this.#outbox.size });
    this.#notify(entry);
  }

  /** Calls `use` with the local cache once it is open (when the client has one). */
  #cached(use: (cache: SessionCache) => unknown): void {
    void this.#cache?.then((cache) => cache && use(cache)).catch(ignore);
  }

  #startHeartbeat(heartbeatMs: number): void {
    if (this.#pingTimer !== undefined) clearInterval(this.#pingTimer);
    this.#heartbeatMs = heartbeatMs;
    this.#pingTimer = setInterval(() => this.#beat(), Math.max(5, Math.floor(heartbeatMs / 2)));
  }

  #beat(): void {
    // A half-open TCP connection delivers nothing and reports nothing: silence is the only sign.
    if (Date.now() - this.#lastFrameAt > 2 * this.#heartbeatMs) {
      this.#dropSocket(DEAD_SOCKET_CLOSE, 'no frame within 2 x heartbeat');
      this.#afterDisconnect(DEAD_SOCKET_CLOSE);
      return;
    }
    if (this.#welcomed) this.#ping();
  }

  /** Sends a ping and expects some frame back within the pong timeout. */
  #ping(): void {
    const sentAt = Date.now();
    this.#send({ type: 'ping', t: sentAt });
    if (this.#pongTimer !== undefined) return;
    const generation = this.#generation;
    this.#pongTimer = setTimeout(() => {
      this.#pongTimer = undefined;
      if (generation !== this.#generation || this.#lastFrameAt >= sentAt) return;
      this.#dropSocket(DEAD_SOCKET_CLOSE, 'missed heartbeat');
      this.#afterDisconnect(DEAD_SOCKET_CLOSE);
    }, this.#pongTimeoutMs);
  }

  /** Detaches and closes the current socket (if any) and stops its timer; no callback of it runs afterwards. */
  #dropSocket(code?: number, reason?: string): void {
    if (this.#pingTimer !== undefined) clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
    if (this.#pongTimer !== undefined) clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    this.#welcomed = false;
    this.#generation += 1;
    for (const entry of this.#entries.values()) {
      entry.phase = 'idle';
      this.#clearRefresh(entry);
    }
    if (!socket) return;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    // Closing a socket that is still connecting reports an error event (the `ws` package throws
    // it when nobody listens), so keep a listener that swallows it.
    socket.onerror = ignore;
    if (code !== undefined) {
      try {
        socket.close(code, reason);
      } catch {
        // Closing a socket that never opened can throw in some implementations; it is gone either way.
      }
    }
  }

  /**
   * A WebSocket closed before it opened: refused (a host that cannot upgrade answers 404 or 426)
   * or the server is down. Browsers do not say which, so ask the server over plain HTTP.
   */
  async #probeUpgrade(code: number): Promise<void> {
    const generation = this.#generation;
    const refused = await answersHttp(this.#fetch, this.#httpUrl);
    // Something else (closing, the network coming back) has moved the connection on meanwhile.
    if (this.#closed || generation !== this.#generation || this.#socket !== undefined || this.#reconnectTimer !== undefined) return;
    this.#refusedUpgrades = refused ? this.#refusedUpgrades + 1 : 0;
    if (this.#refusedUpgrades >= REFUSED_UPGRADES_BEFORE_SSE) {
      this.#useSse = true;
      this.#setConnection({ transport: 'sse' });
      this.#connect();
      return;
    }
    this.#afterDisconnect(code);
  }

  #afterDisconnect(code: number): void {
    if (this.#closed) return;
    if (code === UNAUTHORIZED_CLOSE) for (const entry of this.#entries.values()) entry.tokenStale = true;
    if (FINAL_CLOSE_CODES.has(code)) {
      this.#setConnection({ status: 'offline', downSince: this.#disconnectedSince ?? Date.now() });
      return;
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer !== undefined) return;
    this.#disconnectedSince ??= Date.now();
    const attempt = this.#connection.attempt + 1;
    this.#setConnection({ status: this.#downStatus(attempt), attempt, downSince: this.#disconnectedSince });
    this.#reconnectTimer = setTimeout(() => this.#connect(), backoffDelay(attempt, this.#backoff, this.#random));
  }

  #downStatus(attempt: number): ConnectionStatus {
    const navigatorOnline = (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine;
    if (navigatorOnline === false) return 'offline';
    // Attempts count from the first retry: `attempt - 1` retries have failed by now.
    if (attempt - 1 >= this.#unreachableAfterAttempts) return 'unreachable';
    return this.#everLive ? 'reconnecting' : 'connecting';
  }

  #networkChanged(online: boolean): void {
    if (this.#closed) return;
    if (!online) {
      // The device has no network: a socket that looks open carries nothing (it would take two
      // heartbeats to notice), so say so now and replace it once the network is back.
      this.#disconnectedSince ??= Date.now();
      if (this.#socket) this.#dropSocket(DEAD_SOCKET_CLOSE, 'the device went offline');
      this.#setConnection({ status: 'offline', downSince: this.#disconnectedSince });
      return;
    }
    if (this.#welcomed) return;
    if (this.#socket === undefined && this.#reconnectTimer === undefined) {
      this.#connect();
      return;
    }
    // Back online: retry now rather than wait out the backoff.
    if (this.#reconnectTimer !== undefined) {
      clearTimeout(this.#reconnectTimer);
      this.#connect();
    }
  }

  #send(frame: ClientFrame): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WEBSOCKET_OPEN) return;
    try {
      socket.send(JSON.stringify(frame));
    } catch (error) {
      // A socket that fails to send is closing; its close event starts the reconnect.
      this.#report(new SessionClientError('internal', `send failed: ${String(error)}`));
    }
  }

  #setConnection(change: Partial<ConnectionState>): void {
    const next: ConnectionState = { ...this.#connection, ...change };
    if (change.error === undefined && 'error' in change) delete next.error;
    if (change.downSince === undefined && 'downSince' in change) delete next.downSince;
    const previous = this.#connection as unknown as Record<string, unknown>;
    // Every field of either state, compared (a field deleted is one that changed to undefined).
    if (Object.keys({ ...previous, ...next }).every((key) => previous[key] === (next as unknown as Record<string, unknown>)[key])) return;
    this.#connection = next;
    for (const listener of [...this.#connectionListeners]) {
      try {
        listener();
      } catch (error) {
        this.#onError?.(new SessionClientError('internal', `a connection listener threw: ${String(error)}`));
      }
    }
  }

  #report(error: SessionClientError): void {
    this.#setConnection({ error });
    this.#onError?.(error);
  }

  #reportListenerError = (error: unknown): void => {
    this.#onError?.(new SessionClientError('internal', `a session listener threw: ${String(error)}`));
  };

  #notify(entry: SessionEntry): void {
    entry.notify(this.#reportListenerError);
    this.#cached((cache) => cache.saveSoon(entry));
  }

  /** Forgets a message in the durable outbox (acknowledged, or refused for good). */
  #settle(clientMsgId: string, session: string | undefined): void {
    this.#cached((cache) => cache.outbox.settle(clientMsgId));
    this.#setConnection({ queued: this.#outbox.size });
    const entry = session !== undefined ? this.#entries.get(session) : undefined;
    if (entry) this.#notify(entry);
  }

  // ---- frames ----

  #receive(data: unknown): void {
    if (typeof data !== 'string') {
      this.#report(new SessionClientError('invalid_frame', 'frames are JSON text'));
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      this.#report(new SessionClientError('invalid_frame', 'frame is not valid JSON'));
      return;
    }
    const parsed = ServerFrameSchema.safeParse(raw);
    if (!parsed.success) {
      const lenient = (raw as { type?: unknown } | null)?.type === 'events' ? parseEventsLeniently(raw) : undefined;
      if (lenient) {
        this.#handle({ type: 'events', ...lenient });
        return;
      }
      const problem = protocolErrorFromZod(parsed.error);
      this.#report(new SessionClientError('invalid_frame', problem.message, problem.field !== undefined ? { field: problem.field } : {}));
      return;
    }
    this.#handle(parsed.data);
  }

  #handle(frame: ServerFrame): void {
    switch (frame.type) {
      case 'welcome':
        return this.#welcome(frame);
      case 'subscribed':
        return this.#subscribed(frame);
      case 'snapshot':
        return this.#snapshot(frame);
      case 'events': {
        const entry = this.#entries.get(frame.session);
        if (entry && frame.epoch === entry.epoch) this.#apply(entry, frame.batch);
        return;
      }
      case 'ack':
        if (this.#outbox.acknowledge(frame)) this.#settle(frame.clientMsgId, frame.session);
        return;
      case 'error':
        return this.#error(frame);
      case 'presence': {
        const entry = this.#entries.get(frame.session);
        if (!entry) return;
        entry.viewers = frame.viewers;
        this.#notify(entry);
        return;
      }
      case 'presence.changed': {
        const entry = this.#entries.get(frame.session);
        if (!entry) return;
        entry.viewers = applyPresenceChange(entry.viewers, frame);
        this.#notify(entry);
        return;
      }
      case 'pong':
        return;
    }
  }

  #welcome(frame: ServerFrameOf<'welcome'>): void {
    this.#welcomed = true;
    this.#refusedUpgrades = 0;
    this.#maxFrameBytes = frame.maxFrameBytes;
    this.#startHeartbeat(this.#heartbeatOverride ?? frame.heartbeatMs);
    this.#resuming = this.#everLive;
    this.#everLive = true;
    this.#disconnectedSince = undefined;
    this.#setConnection({ status: 'live', attempt: 0, error: undefined, downSince: undefined });
    for (const entry of this.#entries.values()) void this.#subscribe(entry);
    this.#checkResume();
  }

  async #subscribe(entry: SessionEntry): Promise<void> {
    const generation = this.#generation;
    entry.phase = 'subscribing';
    let token: string;
    try {
      // Resume from the cached offset, not from nothing: the subscribe waits for the cache too.
      [token] = await Promise.all([this.#token(entry), entry.restored]);
    } catch (error) {
      if (generation !== this.#generation || this.#entries.get(entry.id) !== entry) return;
      entry.phase = 'idle';
      entry.error =
        error instanceof SessionClientError
          ? error
          : new SessionClientError('unauthorized', `getToken failed: ${error instanceof Error ? error.message : String(error)}`, {
              session: entry.id,
            });
      this.#notify(entry);
      this.#checkResume();
      return;
    }
    if (generation !== this.#generation || !this.#welcomed || this.#entries.get(entry.id) !== entry) return;
    // A first join omits `from`, so the server answers with a snapshot rather than the whole log.
    const position = entry.epoch !== undefined ? { from: entry.state.offset, epoch: entry.epoch } : {};
    this.#send({ type: 'subscribe', session: entry.id, token, ...position });
  }

  async #token(entry: SessionEntry): Promise<string> {
    const auth = entry.auth;
    if ('token' in auth) return auth.token;
    const expiring = entry.expiresAt !== undefined && entry.expiresAt * 1000 <= Date.now() + MIN_REFRESH_DELAY_MS;
    if (entry.token !== undefined && !entry.tokenStale && !expiring) return entry.token;
    const token = TokenSchema.safeParse(await auth.getToken(entry.id));
    if (!token.success) {
      throw new SessionClientError('invalid_argument', 'getToken: must return a non-empty string of at most 4096 characters', {
        field: 'getToken',
        session: entry.id,
      });
    }
    entry.token = token.data;
    entry.tokenStale = false;
    entry.expiresAt = tokenExpiry(token.data) ?? entry.expiresAt;
    return token.data;
  }

  #subscribed(frame: ServerFrameOf<'subscribed'>): void {
    const entry = this.#entries.get(frame.session);
    if (!entry) return;
    if (entry.epoch !== undefined && entry.epoch !== frame.epoch) {
      // The log was reset: offsets of the old epoch mean nothing; the server sends a snapshot next.
      entry.state = createSessionState();
      entry.historyHead = entry.historyState = undefined;
      this.#cached((cache) => cache.discard(entry.id));
    }
    // Only the first head counts: a reconnect catches up on news, it finds no new history.
    entry.historyHead ??= frame.head;
    entry.epoch = frame.epoch;
    entry.capabilities = frame.capabilities;
    entry.expiresAt = frame.expiresAt;
    entry.tokenLifetimeMs = Math.max(0, frame.expiresAt * 1000 - Date.now());
    entry.phase = 'live';
    entry.error = undefined;
    entry.unauthorizedRetries = 0;
    if (this.#resuming) entry.resume = { head: frame.head, caughtUp: entry.resume?.caughtUp ?? 0 };
    this.#scheduleRefresh(entry);
    this.#notify(entry);
    const generation = this.#generation;
    this.#outbox.flush(entry.id, generation, (message) => this.#send(message));
    this.#checkResume();
  }

  #snapshot(frame: ServerFrameOf<'snapshot'>): void {
    const entry = this.#entries.get(frame.session);
    if (!entry || frame.epoch !== entry.epoch) return;
    if (frame.state.version !== STATE_VERSION) {
      this.#report(
        new SessionClientError('invalid_frame', `snapshot.state.version: ${frame.state.version} is not the version this client reduces (${STATE_VERSION})`, {
          field: 'state.version',
          session: entry.id,
        }),
      );
      return;
    }
    // A snapshot behind what we hold (same epoch) adds nothing; the events after it are deduped.
    if (frame.state.offset < entry.state.offset) return;
    entry.state = frame.state;
    if (entry.historyHead !== undefined && frame.state.offset >= entry.historyHead) entry.historyState ??= frame.state;
    this.#notify(entry);
    this.#checkResume();
  }

  /** Applies the contiguous run of new records; a gap makes the client re-subscribe from what it holds. */
  #apply(entry: SessionEntry, batch: readonly SessionRecord[]): void {
    let applied = entry.state.offset;
    let end = 0;
    let start = -1;
    let gap = false;
    for (let index = 0; index < batch.length; index += 1) {
      const record = batch[index]!;
      if (record.offset <= applied) continue;
      if (record.offset !== applied + 1) {
        gap = true;
        break;
      }
      if (start < 0) start = index;
      end = index + 1;
      applied = record.offset;
    }
    if (start >= 0) {
      let fresh = start === 0 && end === batch.length ? batch : batch.slice(start, end);
      if (entry.resume) entry.resume.caughtUp += fresh.length;
      if (!entry.historyState) {
        // Keep the state as it was at the head found at subscribe: what follows it is news, even
        // when history and news arrive in one batch. Once kept, batches apply whole.
        const head = entry.historyHead ?? 0;
        entry.state = applyRecords(entry.state, fresh.filter((record) => record.offset <= head));
        if (entry.state.offset >= head) entry.historyState = entry.state;
        fresh = fresh.filter((record) => record.offset > head);
      }
      entry.state = applyRecords(entry.state, fresh);
      this.#notify(entry);
    }
    if (gap && entry.phase === 'live') void this.#subscribe(entry);
    this.#checkResume();
  }

  #error(frame: ServerFrameOf<'error'>): void {
    const details = {
      ...(frame.field !== undefined ? { field: frame.field } : {}),
      ...(frame.session !== undefined ? { session: frame.session } : {}),
      ...(frame.clientMsgId !== undefined ? { clientMsgId: frame.clientMsgId } : {}),
    };
    const error = new SessionClientError(frame.code, frame.message, details);
    if (frame.clientMsgId !== undefined && this.#outbox.fail(frame.clientMsgId, error)) {
      this.#settle(frame.clientMsgId, frame.session);
      return;
    }
    const entry = frame.session !== undefined ? this.#entries.get(frame.session) : undefined;
    if (!entry) {
      this.#report(error);
      return;
    }
    // An expired or revoked token: ask for a fresh one once and resume from what we hold.
    if (frame.code === 'unauthorized' && 'getToken' in entry.auth && entry.unauthorizedRetries < 1 && this.#welcomed) {
      entry.unauthorizedRetries += 1;
      entry.tokenStale = true;
      void this.#subscribe(entry);
      return;
    }
    entry.phase = 'idle';
    entry.error = error;
    this.#clearRefresh(entry);
    this.#outbox.failAll(entry.id, (clientMsgId) => new SessionClientError(frame.code, frame.message, { ...details, clientMsgId }));
    this.#setConnection({ queued: this.#outbox.size });
    this.#notify(entry);
    this.#checkResume();
  }

  /** Records `lastResume` once every subscribed session has caught up with the head it was given. */
  #checkResume(): void {
    if (!this.#resuming || !this.#welcomed) return;
    let caughtUp = 0;
    for (const entry of this.#entries.values()) {
      if (entry.error !== undefined && entry.phase === 'idle') continue;
      if (entry.phase !== 'live' || !entry.resume || entry.state.offset < entry.resume.head) return;
      caughtUp += entry.resume.caughtUp;
    }
    this.#resuming = false;
    for (const entry of this.#entries.values()) entry.resume = undefined;
    this.#setConnection({ lastResume: { caughtUp, at: Date.now() } });
  }

  // ---- tokens ----

  #scheduleRefresh(entry: SessionEntry): void {
    this.#clearRefresh(entry);
    if (!('getToken' in entry.auth) || entry.expiresAt === undefined) return;
    const remaining = entry.expiresAt * 1000 - Date.now();
    // Refresh with a fifth of the lifetime (at most a minute) to spare.
    const delay = Math.max(MIN_REFRESH_DELAY_MS, remaining - Math.min(60_000, remaining * 0.2));
    entry.refreshTimer = setTimeout(() => void this.#refresh(entry), Math.min(delay, MAX_TIMER_MS));
  }

  #clearRefresh(entry: SessionEntry): void {
    if (entry.refreshTimer !== undefined) clearTimeout(entry.refreshTimer);
    entry.refreshTimer = undefined;
  }

  async #refresh(entry: SessionEntry): Promise<void> {
    entry.refreshTimer = undefined;
    const auth = entry.auth;
    if (!('getToken' in auth)) return;
    const generation = this.#generation;
    let token: string;
    try {
      const parsed = TokenSchema.safeParse(await auth.getToken(entry.id));
      if (!parsed.success) throw new Error('getToken must return a non-empty string of at most 4096 characters');
      token = parsed.data;
    } catch (error) {
      // The server will expire the subscription and say `unauthorized`; the client asks again then.
      this.#onError?.(new SessionClientError('unauthorized', `token refresh failed: ${String(error)}`, { session: entry.id, field: 'getToken' }));
      return;
    }
    if (generation !== this.#generation || entry.phase !== 'live' || this.#entries.get(entry.id) !== entry) return;
    entry.token = token;
    // The server does not answer `refresh`; the new expiry comes from the token, or is assumed to match the last lifetime.
    entry.expiresAt = tokenExpiry(token) ?? Math.floor((Date.now() + (entry.tokenLifetimeMs ?? 0)) / 1000);
    this.#send({ type: 'refresh', session: entry.id, token });
    this.#scheduleRefresh(entry);
  }

  // ---- handles ----

  #write(entry: SessionEntry, frame: WriteFrame): Promise<MessageAck> {
    if (this.#closed) return Promise.reject(new SessionClientError('closed', 'the client is closed', { session: entry.id }));
    // The server closes the socket on an oversized frame; queued, it would be re-sent on every reconnect.
    const bytes = new TextEncoder().encode(JSON.stringify(frame)).byteLength;
    if (bytes > this.#maxFrameBytes) {
      return Promise.reject(
        new SessionClientError('frame_too_large', `the message is ${bytes} bytes; the server accepts at most ${this.#maxFrameBytes}`, {
          session: entry.id,
          clientMsgId: frame.clientMsgId,
        }),
      );
    }
    const promise = this.#outbox.add(frame);
    this.#cached((cache) => cache.outbox.keep(frame));
    this.#setConnection({ queued: this.#outbox.size });
    this.#notify(entry);
    if (entry.phase === 'live' && this.#welcomed) this.#outbox.flush(entry.id, this.#generation, (message) => this.#send(message));
    return promise;
  }

  #release(entry: SessionEntry): void {
    entry.refs -= 1;
    if (entry.refs > 0 || this.#entries.get(entry.id) !== entry) return;
    this.#entries.delete(entry.id);
    if (this.#welcomed && entry.phase !== 'idle') this.#send({ type: 'unsubscribe', session: entry.id });
    entry.phase = 'idle';
    this.#clearRefresh(entry);
    entry.clearListeners();
    this.#outbox.failAll(entry.id, (clientMsgId) => new SessionClientError('released', 'the session was released before the server answered', { session: entry.id, clientMsgId }));
    this.#setConnection({ queued: this.#outbox.size });
    this.#checkResume();
  }
}

function ignore(): void {}
