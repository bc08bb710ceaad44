import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import '../protocol/_english-messages.js';
import type { DeliveryTelemetry, ClientFrame, ServerFrame, ServerFrameOf, SessionRecord } from '../protocol/index.js';
import { createId } from '../protocol/_ids.js';
import { DeviceNameSchema } from '../protocol/delivery-telemetry.js';
import { protocolErrorFromZod } from '../protocol/errors.js';
import { IdSchema, SessionIdSchema } from '../protocol/limits.js';
import { findMessage } from '../protocol/messages.js';
import { matchesTextDigest } from '../protocol/text-digest.js';
import { STATE_VERSION } from '../protocol/version.js';
import { BackoffOptionsSchema, type BackoffOptions } from './backoff.js';
import { SessionClientError } from './client-errors.js';
import type { ConnectionState } from './connection-state.js';
import { Connection } from './_connection.js';
import { resolveHttpUrl, resolveSocketUrl } from './_endpoint-urls.js';
import { LazyDeviceSignals, deviceName } from './_lazy-device-signals.js';
import { applyPresenceChange } from './_presence.js';
import { Outbox, type MessageAck } from './_outbox.js';
import { SessionEntry, type SessionAuth } from './_session-entry.js';
import { TokenKeeper } from './_token-keeper.js';
import { loadWireSchemas, withWireSchemas, type WireSchemas } from './_wire.js';
import { applyRecords, createSessionState } from './reducer.js';
import { SessionHandle, type SessionHandleHost } from './session-handle.js';
import type { SessionCache, SessionCacheOptions } from './session-cache.js';
import type { FetchLike } from './sse-socket.js';
import type { WebSocketConstructor } from './websocket-like.js';

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
  /**
   * This device's name in telemetry, presence and review answers ("Answered on …"); defaults to
   * `phone`, `tablet` or `desktop` from the user agent. At most 60 characters.
   */
  deviceName?: string;
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
  // Checked against the cache module's schema once it loads (a bad option reported through onError), so pages without it stay small.
  cache: z.optional(z.unknown()),
  partition: z.optional(z.string()),
  deviceName: z.optional(DeviceNameSchema),
});

const AuthSchema = z.union([
  z.object({ token: z.string().check(z.minLength(1), z.maxLength(4096)) }),
  z.object({ getToken: z.custom<(session: string) => string | Promise<string>>((value) => typeof value === 'function', 'expected a function') }),
]);

type WriteFrame = Extract<ClientFrame, { type: 'publish' | 'cancel' | 'steer' }>;

function invalidArgument(error: z.core.$ZodError, prefix: string): SessionClientError {
  const problem = protocolErrorFromZod(error, prefix);
  return new SessionClientError('invalid_argument', problem.message, problem.field !== undefined ? { field: problem.field } : {});
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
  readonly #onError: ((error: SessionClientError) => void) | undefined;
  readonly #connection: Connection;
  readonly #tokens: TokenKeeper;
  readonly #signals: LazyDeviceSignals;
  /** The client id the server knows this connection by (the leader tab's, when tabs share one). */
  #presenceId: string;

  readonly #entries = new Map<string, SessionEntry>();
  readonly #outbox = new Outbox();
  readonly #connectionListeners = new Set<() => void>();
  readonly #host: SessionHandleHost = {
    write: (entry, frame) => this.#write(entry, frame),
    release: (entry) => this.#release(entry),
    pending: (entry) => this.#outbox.of(entry.id),
    answeredOn: () => ({ device: this.#signals.device, clientId: this.#presenceId }),
  };
  /** The local cache, loading; undefined without the `cache` option. */
  readonly #cache: Promise<SessionCache | undefined> | undefined;

  /** True from a reconnect's `welcome` until every session has caught up (see {@link ConnectionState.lastResume}). */
  #resuming = false;
  #closed = false;
  #state: ConnectionState;

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
    const url = resolveSocketUrl(parsed.data.url);
    const httpUrl = resolveHttpUrl(url, parsed.data.httpUrl);
    const fetchImpl = parsed.data.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    this.#onError = parsed.data.onError;
    this.clientId = parsed.data.clientId ?? createId('client');
    this.#presenceId = this.clientId;
    const scope = `${url}\n${parsed.data.partition ?? ''}`;
    loadWireSchemas().catch((error: unknown) =>
      this.#report(new SessionClientError('invalid_frame', `the protocol's schemas did not load (${error instanceof Error ? error.message : String(error)}); frames wait for them`)),
    );
    const connection = new Connection(
      {
        clientId: this.clientId,
        url,
        httpUrl,
        // Called unbound: a browser's fetch throws when called as a method of another object.
        fetch: fetchImpl ? (input, init) => fetchImpl(input, init) : undefined,
        transport: parsed.data.transport,
        WebSocket: WebSocketImpl,
        backoff: backoff.data,
        heartbeatMs: parsed.data.heartbeatMs,
        unreachableAfterAttempts: parsed.data.unreachableAfterAttempts,
        pongTimeoutMs: parsed.data.pongTimeoutMs,
        random: parsed.data.random ?? Math.random,
        shareName: parsed.data.shareConnection ? scope : undefined,
      },
      {
        receive: (data) => this.#receive(data),
        // After the frames received before them, which wait for the schemas on a client's first load.
        detached: () =>
          void withWireSchemas(() => {
            for (const entry of this.#entries.values()) {
              entry.phase = 'idle';
              this.#tokens.stop(entry);
            }
          }),
        tokensRefused: () =>
          void withWireSchemas(() => {
            for (const entry of this.#entries.values()) this.#tokens.distrust(entry);
          }),
        update: (change) => this.#setConnection(change),
        report: (error) => this.#report(error),
      },
    );
    this.#tokens = new TokenKeeper({
      get generation() {
        return connection.generation;
      },
      isLive: (entry, generation) => generation === connection.generation && entry.phase === 'live' && this.#entries.get(entry.id) === entry,
      send: (frame) => connection.send(frame),
      onError: (error) => this.#onError?.(error),
    });
    this.#connection = connection;
    // Telemetry and attention load in a chunk of their own, started now; what happens meanwhile is kept.
    this.#signals = new LazyDeviceSignals(
      deviceName(parsed.data.deviceName),
      (frame) => {
        if (!connection.welcomed) return false;
        connection.send(frame);
        return true;
      },
      (error) => this.#onError?.(new SessionClientError('internal', `could not load delivery telemetry: ${String(error)}`)),
    );
    this.#state = { status: 'connecting', attempt: 0, queued: 0, transport: connection.transport };
    if (parsed.data.cache) {
      const cache = parsed.data.cache;
      this.#cache = import('./session-cache.js')
        .then((module) => {
          const cacheOptions = module.SessionCacheOptionsSchema.safeParse(cache === true ? {} : cache);
          if (!cacheOptions.success) throw invalidArgument(cacheOptions.error, 'options.cache');
          return module.openSessionCache(scope, cacheOptions.data);
        })
        .catch((error: unknown) => {
          this.#report(error instanceof SessionClientError ? error : new SessionClientError('internal', `could not open the local cache: ${String(error)}`));
          return undefined;
        });
    }
    connection.open();
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
      if (entry.phase === 'idle' && entry.error !== undefined && this.#connection.welcomed) {
        this.#tokens.distrust(entry);
        void this.#subscribe(entry);
      }
    } else {
      entry = new SessionEntry(id, auth);
      this.#entries.set(id, entry);
      if (this.#cache) entry.restored = this.#restore(entry);
      if (this.#connection.welcomed) void this.#subscribe(entry);
    }
    entry.refs += 1;
    return new SessionHandle(entry, this.#host);
  }

  /** The connection's current state; the same object until something in it changes. */
  readonly getConnection = (): ConnectionState => this.#state;

  /** Calls `listener` whenever {@link getConnection} changes; returns the unsubscribe function. */
  readonly subscribeConnection = (listener: () => void): (() => void) => {
    if (typeof listener !== 'function') throw new SessionClientError('invalid_argument', 'listener: expected a function', { field: 'listener' });
    this.#connectionListeners.add(listener);
    return () => {
      this.#connectionListeners.delete(listener);
    };
  };

  /** How sessions reach this device: time to first token, longest gap, resume and cancel-to-quiet times, reconnects, digest mismatches. */
  get telemetry(): DeliveryTelemetry {
    return this.#signals.telemetry;
  }

  /**
   * Calls `listener` with {@link telemetry} whenever a figure changes (the `debug` panel of the
   * widget shows them); returns the unsubscribe function. The same figures go to the server,
   * which exposes them as metrics (protocol section 3.11).
   */
  readonly onTelemetry = (listener: (telemetry: DeliveryTelemetry) => void): (() => void) => {
    if (typeof listener !== 'function') throw new SessionClientError('invalid_argument', 'listener: expected a function', { field: 'listener' });
    return this.#signals.subscribe((telemetry) => {
      try {
        listener(telemetry);
      } catch (error) {
        this.#onError?.(new SessionClientError('internal', `a telemetry listener threw: ${String(error)}`));
      }
    });
  };

  /** This device's name (the `deviceName` option, or its kind from the user agent). */
  get deviceName(): string {
    return this.#signals.device;
  }

  /**
   * The id presence shows this device under: this client's, or the leader tab's when tabs share
   * one connection. Compare it with `SessionViewer.clientId` and `answeredOn.clientId`.
   */
  get presenceId(): string {
    return this.#presenceId;
  }

  /**
   * Empties this browser's cache of sessions and its durable outbox, for every endpoint and user
   * (not only this client's): call it at sign-out. Resolves once they are gone.
   */
  async clearCache(): Promise<void> {
    const { emptySessionCache } = await import('./session-cache.js');
    await emptySessionCache((await this.#cache)?.indexedDB);
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
    this.#connection.close();
    this.#signals.close();
    for (const entry of this.#entries.values()) {
      this.#tokens.stop(entry);
      entry.clearListeners();
    }
    this.#entries.clear();
    this.#outbox.failAll(undefined, (clientMsgId) => new SessionClientError('closed', 'the client was closed', { clientMsgId }));
    this.#setConnection({ status: 'offline', queued: 0 });
    this.#connectionListeners.clear();
  }

  // ---- cache ----

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

  // ---- connection state ----

  #setConnection(change: Partial<ConnectionState>): void {
    const next: ConnectionState = { ...this.#state, ...change };
    if (change.error === undefined && 'error' in change) delete next.error;
    if (change.downSince === undefined && 'downSince' in change) delete next.downSince;
    const previous = this.#state as unknown as Record<string, unknown>;
    // Every field of either state, compared (a field deleted is one that changed to undefined).
    if (Object.keys({ ...previous, ...next }).every((key) => previous[key] === (next as unknown as Record<string, unknown>)[key])) return;
    this.#state = next;
    this.#signals.connectionChanged(previous as unknown as ConnectionState, next);
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
    void withWireSchemas((wire) => this.#validate(raw, wire));
  }

  #validate(raw: unknown, wire: WireSchemas): void {
    const parsed = wire.ServerFrameSchema.safeParse(raw);
    if (!parsed.success) {
      const lenient = (raw as { type?: unknown } | null)?.type === 'events' ? wire.parseEventsLeniently(raw) : undefined;
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
        if (entry && frame.epoch === entry.epoch) this.#apply(entry, frame.batch, frame.digests);
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
    this.#resuming = this.#connection.welcome(frame);
    this.#presenceId = frame.clientId ?? this.clientId;
    this.#signals.welcomed(this.#resuming);
    for (const entry of this.#entries.values()) void this.#subscribe(entry);
    this.#checkResume();
  }

  async #subscribe(entry: SessionEntry): Promise<void> {
    const generation = this.#connection.generation;
    entry.phase = 'subscribing';
    let token: string;
    try {
      // Resume from the cached offset, not from nothing: the subscribe waits for the cache too.
      [token] = await Promise.all([this.#tokens.token(entry), entry.restored]);
    } catch (error) {
      if (generation !== this.#connection.generation || this.#entries.get(entry.id) !== entry) return;
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
    if (generation !== this.#connection.generation || !this.#connection.welcomed || this.#entries.get(entry.id) !== entry) return;
    // A first join omits `from`, so the server answers with a snapshot rather than the whole log.
    // So does a recovery from a digest mismatch: the snapshot replaces the text that differed.
    const position = entry.epoch !== undefined && !entry.recovering ? { from: entry.state.offset, epoch: entry.epoch } : {};
    this.#connection.send({ type: 'subscribe', session: entry.id, token, ...position });
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
    entry.phase = 'live';
    entry.error = undefined;
    if (this.#resuming) entry.resume = { head: frame.head, caughtUp: entry.resume?.caughtUp ?? 0 };
    this.#tokens.granted(entry, frame);
    this.#notify(entry);
    this.#outbox.flush(entry.id, this.#connection.generation, (message) => this.#connection.send(message));
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
    // Recovering from a digest mismatch, it replaces what we hold: the events after it follow.
    if (frame.state.offset < entry.state.offset && !entry.recovering) return;
    entry.recovering = false;
    entry.state = frame.state;
    this.#signals.applied(entry.id, [], entry.state);
    if (entry.historyHead !== undefined && frame.state.offset >= entry.historyHead) entry.historyState ??= frame.state;
    this.#notify(entry);
    this.#checkResume();
  }

  /**
   * Applies the contiguous run of new records; a gap makes the client re-subscribe from what it
   * holds. Then checks the text it holds against the server's digests (section 3.10).
   */
  #apply(entry: SessionEntry, batch: readonly SessionRecord[], digests?: ServerFrameOf<'events'>['digests']): void {
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
      this.#signals.applied(entry.id, start === 0 && end === batch.length ? batch : batch.slice(start, end), entry.state);
      this.#notify(entry);
    }
    if (gap && entry.phase === 'live') void this.#subscribe(entry);
    else if (digests && !gap && applied === batch[batch.length - 1]?.offset) this.#verify(entry, digests);
    this.#checkResume();
  }

  /** Compares each message's text with the server's digest; a mismatch recovers the session from a snapshot. */
  #verify(entry: SessionEntry, digests: NonNullable<ServerFrameOf<'events'>['digests']>): void {
    if (entry.recovering || entry.phase !== 'live') return;
    const differs = digests.some((digest) => !matchesTextDigest(findMessage(entry.state, digest.messageId)?.text ?? '', digest));
    if (!differs) return;
    this.#signals.digestMismatch();
    this.#onError?.(new SessionClientError('invalid_frame', 'a message differed from the server; recovering the session from a snapshot', { session: entry.id, field: 'digests' }));
    entry.recovering = true;
    void this.#subscribe(entry);
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
    if (frame.code === 'unauthorized' && this.#connection.welcomed && this.#tokens.retryRefused(entry)) {
      void this.#subscribe(entry);
      return;
    }
    entry.phase = 'idle';
    entry.error = error;
    this.#tokens.stop(entry);
    this.#outbox.failAll(entry.id, (clientMsgId) => new SessionClientError(frame.code, frame.message, { ...details, clientMsgId }));
    this.#setConnection({ queued: this.#outbox.size });
    this.#notify(entry);
    this.#checkResume();
  }

  /** Records `lastResume` once every subscribed session has caught up with the head it was given. */
  #checkResume(): void {
    if (!this.#resuming || !this.#connection.welcomed) return;
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

  // ---- handles ----

  #write(entry: SessionEntry, frame: WriteFrame): Promise<MessageAck> {
    if (this.#closed) return Promise.reject(new SessionClientError('closed', 'the client is closed', { session: entry.id }));
    // The server closes the socket on an oversized frame; queued, it would be re-sent on every reconnect.
    const bytes = new TextEncoder().encode(JSON.stringify(frame)).byteLength;
    const maxFrameBytes = this.#connection.maxFrameBytes;
    if (bytes > maxFrameBytes) {
      return Promise.reject(
        new SessionClientError('frame_too_large', `the message is ${bytes} bytes; the server accepts at most ${maxFrameBytes}`, {
          session: entry.id,
          clientMsgId: frame.clientMsgId,
        }),
      );
    }
    const promise = this.#outbox.add(frame);
    this.#signals.wrote(frame);
    this.#cached((cache) => cache.outbox.keep(frame));
    this.#setConnection({ queued: this.#outbox.size });
    this.#notify(entry);
    if (entry.phase === 'live' && this.#connection.welcomed) this.#outbox.flush(entry.id, this.#connection.generation, (message) => this.#connection.send(message));
    return promise;
  }

  #release(entry: SessionEntry): void {
    entry.refs -= 1;
    if (entry.refs > 0 || this.#entries.get(entry.id) !== entry) return;
    this.#entries.delete(entry.id);
    if (this.#connection.welcomed && entry.phase !== 'idle') this.#connection.send({ type: 'unsubscribe', session: entry.id });
    entry.phase = 'idle';
    this.#tokens.stop(entry);
    this.#signals.released(entry.id);
    entry.clearListeners();
    this.#outbox.failAll(entry.id, (clientMsgId) => new SessionClientError('released', 'the session was released before the server answered', { session: entry.id, clientMsgId }));
    this.#setConnection({ queued: this.#outbox.size });
    this.#checkResume();
  }
}

function ignore(): void {}
