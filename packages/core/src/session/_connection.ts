import type { ClientFrame, ServerFrameOf } from '../protocol/index.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/frame-size.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { SessionClientError } from './client-errors.js';
import type { ConnectionState, ConnectionStatus } from './connection-state.js';
import { SseSocket, type FetchLike } from './sse-socket.js';
import { WEBSOCKET_OPEN, type WebSocketConstructor, type WebSocketLike } from './websocket-like.js';

/** Close codes after which the server does not want us back (normal, unsupported version, abuse). */
const FINAL_CLOSE_CODES = new Set([1000, 4000, 4003]);
/** Close code of a server that refused a token: every token held is suspect. */
const UNAUTHORIZED_CLOSE = 4001;
/** Close code the client uses when the heartbeat finds the socket dead. */
const DEAD_SOCKET_CLOSE = 4002;
const DEFAULT_HEARTBEAT_MS = 15_000;
/** With `transport: 'auto'`, upgrades refused in a row (the server answering HTTP meanwhile) before falling back to SSE. */
const REFUSED_UPGRADES_BEFORE_SSE = 2;

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

function ignore(): void {}

/** What a {@link Connection} needs, already validated and resolved. */
export interface ConnectionOptions {
  clientId: string;
  /** The WebSocket endpoint (`ws:` or `wss:`). */
  url: string;
  /** The base of the HTTP routes (SSE, POST, the upgrade probe). */
  httpUrl: string;
  fetch: FetchLike | undefined;
  transport: 'websocket' | 'sse' | 'auto';
  WebSocket: WebSocketConstructor | undefined;
  backoff: BackoffOptions;
  heartbeatMs: number | undefined;
  unreachableAfterAttempts: number;
  pongTimeoutMs: number;
  random: () => number;
  /** Endpoint and partition of the tabs sharing one socket; undefined when this client keeps its own. */
  shareName: string | undefined;
}

/** What the connection tells the client it serves. */
export interface ConnectionHost {
  /** A frame arrived, as the socket delivered it. */
  receive(data: unknown): void;
  /** The socket is gone (closed, found dead or replaced): every subscription is to be made again on the next one. */
  detached(): void;
  /** The server closed the socket refusing a token: ask for fresh ones before subscribing again. */
  tokensRefused(): void;
  /** The status, attempt, transport or problem of the connection changed. */
  update(change: Partial<ConnectionState>): void;
  /** A connection-level problem, for `onError` and `ConnectionState.error`. */
  report(error: SessionClientError): void;
}

/**
 * The client's link to the server: one socket at a time (a WebSocket, the tabs' shared one, or the
 * SSE fallback), the handshake, a heartbeat that finds dead sockets, reconnects with backoff,
 * and the device's online and offline events. It knows nothing of sessions; its host does.
 */
export class Connection {
  readonly #options: ConnectionOptions;
  readonly #host: ConnectionHost;
  /** True once the connection speaks SSE: chosen, or fallen back to. */
  #useSse: boolean;
  /** Upgrades refused in a row while the server answered HTTP (with `auto`). */
  #refusedUpgrades = 0;
  /** The shared socket's constructor once the tab-leader module is loaded. */
  #SharedSocket: WebSocketConstructor | undefined;
  #shareName: string | undefined;
  #loading = false;

  #socket: WebSocketLike | undefined;
  /** Incremented for every socket; late callbacks of an older socket compare and stop. */
  #generation = 0;
  #welcomed = false;
  #everLive = false;
  #attempt = 0;
  #heartbeatMs = DEFAULT_HEARTBEAT_MS;
  #maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  #lastFrameAt = 0;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #disconnectedSince: number | undefined;
  #closed = false;
  readonly #onOnline = (): void => this.#networkChanged(true);
  readonly #onOffline = (): void => this.#networkChanged(false);

  constructor(options: ConnectionOptions, host: ConnectionHost) {
    this.#options = options;
    this.#host = host;
    this.#useSse = options.transport === 'sse' || !options.WebSocket;
    this.#shareName = options.shareName;
  }

  /** The transport the connection starts with. */
  get transport(): 'websocket' | 'sse' {
    return this.#useSse ? 'sse' : 'websocket';
  }

  /** Changes with every socket: work started on one socket checks it before it sends on another. */
  get generation(): number {
    return this.#generation;
  }

  /** True between the server's `welcome` and the socket's end: frames may be sent. */
  get welcomed(): boolean {
    return this.#welcomed;
  }

  /** The largest frame the server accepts (from `welcome`). */
  get maxFrameBytes(): number {
    return this.#maxFrameBytes;
  }

  /** Opens the first socket and follows the device's network events. */
  open(): void {
    const events = globalThis as { addEventListener?: (type: string, listener: () => void) => void };
    if (typeof events.addEventListener === 'function') {
      events.addEventListener('online', this.#onOnline);
      events.addEventListener('offline', this.#onOffline);
    }
    this.#connect();
  }

  /**
   * The handshake is done: heartbeat at the server's pace, the status is `live`.
   * Returns true when this is a reconnect (the connection was live before).
   */
  welcome(frame: ServerFrameOf<'welcome'>): boolean {
    this.#welcomed = true;
    this.#refusedUpgrades = 0;
    this.#maxFrameBytes = frame.maxFrameBytes;
    this.#startHeartbeat(this.#options.heartbeatMs ?? frame.heartbeatMs);
    const resuming = this.#everLive;
    this.#everLive = true;
    this.#disconnectedSince = undefined;
    this.#attempt = 0;
    this.#host.update({ status: 'live', attempt: 0, error: undefined, downSince: undefined });
    return resuming;
  }

  /** Sends a frame if a socket is open; otherwise it is dropped (the caller re-sends after the next handshake). */
  send(frame: ClientFrame): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WEBSOCKET_OPEN) return;
    try {
      socket.send(JSON.stringify(frame));
    } catch (error) {
      // A socket that fails to send is closing; its close event starts the reconnect.
      this.#host.report(new SessionClientError('internal', `send failed: ${String(error)}`));
    }
  }

  /** Closes the socket for good and stops every timer and listener. */
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
  }

  #connect(): void {
    if (this.#closed) return;
    this.#reconnectTimer = undefined;
    if (!this.#useSse && this.#shareName !== undefined) {
      this.#shareOnceLoaded();
      return;
    }
    const generation = ++this.#generation;
    this.#welcomed = false;
    const { heartbeatMs } = this.#options;
    let socket: WebSocketLike;
    let opened = false;
    try {
      socket = this.#useSse
        ? new SseSocket(this.#options.httpUrl, { ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}), ...(heartbeatMs ? { heartbeatMs } : {}) })
        : new (this.#SharedSocket ?? this.#options.WebSocket!)(this.#options.url);
    } catch (error) {
      this.#host.report(new SessionClientError('internal', `could not open the socket: ${String(error)}`));
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    this.#lastFrameAt = Date.now();
    // The same timer first bounds the handshake, then sends pings and watches for silence.
    this.#startHeartbeat(heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    socket.onopen = () => {
      if (generation !== this.#generation) return;
      opened = true;
      this.#lastFrameAt = Date.now();
      this.send({ type: 'hello', protocol: PROTOCOL_VERSION, clientId: this.#options.clientId });
    };
    socket.onmessage = (event) => {
      if (generation !== this.#generation) return;
      this.#lastFrameAt = Date.now();
      this.#host.receive(event.data);
    };
    socket.onclose = (event) => {
      if (generation !== this.#generation) return;
      this.#dropSocket();
      if (!opened && !this.#useSse && this.#options.transport === 'auto') void this.#probeUpgrade(event.code);
      else this.#afterDisconnect(event.code);
    };
    // An error is always followed by a close, which is where reconnecting starts.
    socket.onerror = () => undefined;
  }

  /**
   * Tab sharing is a module of its own, loaded the first time a client asks for it (as the SSE
   * transport is, by `SseSocket`). Connects once it is there, unless the client closed or
   * something else connected or scheduled a retry meanwhile.
   */
  #shareOnceLoaded(): void {
    if (this.#loading) return;
    this.#loading = true;
    // The socket shared by the tabs (none where they cannot share: this client keeps its own).
    import('./tab-leader.js').then(
      (module) => {
        this.#SharedSocket = module.sharedSocketConstructor(this.#shareName!, this.#options.url, this.#options.WebSocket!);
        this.#shareName = undefined;
        this.#loading = false;
        if (!this.#closed && this.#socket === undefined && this.#reconnectTimer === undefined) this.#connect();
      },
      (error: unknown) => {
        this.#loading = false;
        this.#host.report(new SessionClientError('internal', `could not load the tab sharing: ${String(error)}`));
        this.#scheduleReconnect();
      },
    );
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
    this.send({ type: 'ping', t: sentAt });
    if (this.#pongTimer !== undefined) return;
    const generation = this.#generation;
    this.#pongTimer = setTimeout(() => {
      this.#pongTimer = undefined;
      if (generation !== this.#generation || this.#lastFrameAt >= sentAt) return;
      this.#dropSocket(DEAD_SOCKET_CLOSE, 'missed heartbeat');
      this.#afterDisconnect(DEAD_SOCKET_CLOSE);
    }, this.#options.pongTimeoutMs);
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
    this.#host.detached();
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
    const refused = await answersHttp(this.#options.fetch, this.#options.httpUrl);
    // Something else (closing, the network coming back) has moved the connection on meanwhile.
    if (this.#closed || generation !== this.#generation || this.#socket !== undefined || this.#reconnectTimer !== undefined) return;
    this.#refusedUpgrades = refused ? this.#refusedUpgrades + 1 : 0;
    if (this.#refusedUpgrades >= REFUSED_UPGRADES_BEFORE_SSE) {
      this.#useSse = true;
      this.#host.update({ transport: 'sse' });
      this.#connect();
      return;
    }
    this.#afterDisconnect(code);
  }

  #afterDisconnect(code: number): void {
    if (this.#closed) return;
    if (code === UNAUTHORIZED_CLOSE) this.#host.tokensRefused();
    if (FINAL_CLOSE_CODES.has(code)) {
      this.#host.update({ status: 'offline', downSince: this.#disconnectedSince ?? Date.now() });
      return;
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer !== undefined) return;
    this.#disconnectedSince ??= Date.now();
    this.#attempt += 1;
    this.#host.update({ status: this.#downStatus(this.#attempt), attempt: this.#attempt, downSince: this.#disconnectedSince });
    this.#reconnectTimer = setTimeout(() => this.#connect(), backoffDelay(this.#attempt, this.#options.backoff, this.#options.random));
  }

  #downStatus(attempt: number): ConnectionStatus {
    const navigatorOnline = (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine;
    if (navigatorOnline === false) return 'offline';
    // Attempts count from the first retry: `attempt - 1` retries have failed by now.
    if (attempt - 1 >= this.#options.unreachableAfterAttempts) return 'unreachable';
    return this.#everLive ? 'reconnecting' : 'connecting';
  }

  #networkChanged(online: boolean): void {
    if (this.#closed) return;
    if (!online) {
      // The device has no network: a socket that looks open carries nothing (it would take two
      // heartbeats to notice), so say so now and replace it once the network is back.
      this.#disconnectedSince ??= Date.now();
      if (this.#socket) this.#dropSocket(DEAD_SOCKET_CLOSE, 'the device went offline');
      this.#host.update({ status: 'offline', downSince: this.#disconnectedSince });
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
}
