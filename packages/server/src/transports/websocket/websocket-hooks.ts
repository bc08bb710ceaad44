import { randomUUID } from 'node:crypto';
import {
  ClientFrameSchema,
  CloseCode,
  DEFAULT_MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  ProtocolError,
  protocolErrorFromZod,
  type ClientFrame,
  type ServerFrame,
} from '@marketing-team/core';
import { revokes, type Revocation, type RevocationList } from '../../auth/revocation-list.js';
import type { SessionGrant, TokenIssuer } from '../../auth/token-issuer.js';
import type { ConnectionQuota, Limiter } from '../../limits/limiter.js';
import type { SessionHub } from '../../sessions/session-hub.js';
import type { HubSubscription, SessionSubscriber } from '../../sessions/session-subscriber.js';
import { DEFAULT_TELEMETRY_INTERVAL_MS, DeviceSignalState, type TelemetrySink } from '../_device-signals.js';
import { errorFrame } from '../_errors.js';
import { setLongTimeout, type LongTimeout } from '../_long-timeout.js';
import { isOriginAllowed, type OriginPolicy } from '../origin-policy.js';
import { TokenBucket } from '../_token-bucket.js';
import type { WebSocketPeer } from './websocket-peer.js';

/** A per-connection message rate limit (token bucket). */
export interface RateLimitOptions {
  /** Sustained frames per second; defaults to 50. */
  messagesPerSecond?: number;
  /** Frames allowed in a burst; defaults to 100. */
  burst?: number;
}

/** Options of {@link createWebSocketHooks}. */
export interface WebSocketHooksOptions {
  hub: SessionHub;
  tokens: TokenIssuer;
  allowedOrigins: OriginPolicy;
  /** Largest accepted frame in bytes; larger ones close the socket with 1009. Defaults to 64 KiB. */
  maxFrameBytes?: number;
  rateLimit?: RateLimitOptions;
  /** Interval of server pings, announced in `welcome`; a peer silent for 2.5 intervals is closed with 4002. Defaults to 15 000. */
  heartbeatMs?: number;
  /** A connection whose unsent bytes exceed this is dropped (it resumes from its offset). Defaults to 8 MiB. */
  maxBufferedBytes?: number;
  /** Sessions one connection may follow at once; defaults to 64. */
  maxSessionsPerConnection?: number;
  /** Protocol violations tolerated in a burst before the socket is closed with 4003; defaults to 10. */
  maxViolations?: number;
  /** Quotas on connections, briefs and stored bytes; without one, only the per-connection limits apply. */
  limiter?: Limiter;
  /** Revoked tokens: refused on subscribe, refresh and write, and their connections closed when revoked. */
  revocations?: RevocationList;
  /** The client address of an upgrade request, for the per-address limits. */
  clientAddress?: (request: Request) => string | undefined;
  /** Receives the devices' `telemetry` frames, at most one per connection per `telemetryIntervalMs`; without it they are ignored. */
  telemetry?: TelemetrySink;
  /** Least time between two telemetry frames of one connection; sooner ones are dropped. Defaults to 5 000. */
  telemetryIntervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * WebSocket handling written once as runtime-neutral hooks (upgrade, open, message, close),
 * bound to a runtime by an adapter such as `attachWebSocket` for Node.
 */
export interface WebSocketHooks {
  /** Checks an upgrade request; returns the refusal to send instead of upgrading, or undefined to accept. */
  upgrade(request: Request): Response | undefined;
  /** A socket opened; `request` is the upgrade request, where the adapter has it (for the client address). */
  open(peer: WebSocketPeer, request?: Request): void;
  message(peer: WebSocketPeer, data: string | Uint8Array): void;
  /** A protocol-level pong (or any sign of life below the frame layer). */
  pong(peer: WebSocketPeer): void;
  close(peer: WebSocketPeer, code?: number, reason?: string): void;
  /** Closes every open connection with `code` (4004 when the server restarts). */
  closeAll(code?: number, reason?: string): void;
  /** Largest accepted frame in bytes, for adapters that enforce it below the hooks. */
  readonly maxFrameBytes: number;
  /** Number of open connections. */
  readonly size: number;
}

interface SessionLink {
  grant: Promise<SessionGrant>;
  /** The grant once verified, for revocations that arrive while the link is open. */
  current?: SessionGrant;
  subscription?: HubSubscription;
  expiry?: LongTimeout;
  closed: boolean;
  /** Tells the session's presence that the device's attention changed. */
  attentionChanged?: () => void;
}

interface Connection {
  id: string;
  peer: WebSocketPeer;
  clientId?: string;
  lastSeen: number;
  frames: TokenBucket;
  violations: TokenBucket;
  sessions: Map<string, SessionLink>;
  quota?: ConnectionQuota;
  address?: string;
  closed: boolean;
  /** Whether the last frame was refused by the rate limit (a flood is reported once). */
  throttled?: boolean;
  /** The device's attention and telemetry pace: a connection is one device. */
  signals: DeviceSignalState;
}

const WRITE_TYPES = new Set(['publish', 'cancel', 'steer']);

/** Creates the WebSocket hooks of a server. */
export function createWebSocketHooks(options: WebSocketHooksOptions): WebSocketHooks {
  const { hub, tokens, allowedOrigins } = options;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  const perSecond = options.rateLimit?.messagesPerSecond ?? 50;
  const burst = options.rateLimit?.burst ?? 100;
  const maxViolations = options.maxViolations ?? 10;
  const maxSessions = options.maxSessionsPerConnection ?? 64;
  const telemetryIntervalMs = options.telemetryIntervalMs ?? DEFAULT_TELEMETRY_INTERVAL_MS;
  const onError = options.onError ?? ((error: unknown) => console.error('[marketing-team] websocket:', error));
  const { limiter, revocations } = options;
  const connections = new Map<WebSocketPeer, Connection>();
  let heartbeat: NodeJS.Timeout | undefined;

  // A revocation made on any node ends the subscriptions holding that token at once.
  revocations?.onRevoked((revocation) => {
    for (const connection of [...connections.values()]) revokeLinks(connection, revocation);
  });

  function revokeLinks(connection: Connection, revocation: Revocation): void {
    let revoked = 0;
    for (const [session, link] of [...connection.sessions]) {
      if (!link.current || !revokes(revocation, link.current)) continue;
      revoked += 1;
      endLink(connection, session, link, { type: 'error', code: 'unauthorized', message: 'token: revoked', field: 'token', session });
    }
    // Nothing this socket still follows is allowed: close it, as a bad handshake would be.
    if (revoked > 0 && connection.sessions.size === 0) shut(connection, CloseCode.unauthorized, 'token revoked');
  }

  /** Ends one session link with `error`, leaving the rest of the connection as it is. */
  function endLink(connection: Connection, session: string, link: SessionLink, error: ServerFrame): void {
    if (connection.sessions.get(session) === link) connection.sessions.delete(session);
    unlink(link);
    connection.quota?.leave(session);
    send(connection, error);
  }

  async function assertNotRevoked(grant: SessionGrant): Promise<void> {
    if (revocations && (await revocations.isRevoked(grant))) throw new ProtocolError('unauthorized', 'token: revoked', 'token');
  }

  function startHeartbeat(): void {
    if (heartbeat) return;
    heartbeat = setInterval(() => {
      const now = Date.now();
      for (const connection of connections.values()) {
        if (now - connection.lastSeen > heartbeatMs * 2.5) shut(connection, CloseCode.idleTimeout, 'idle timeout');
        else connection.peer.ping?.();
      }
    }, heartbeatMs);
    heartbeat.unref();
  }

  function send(connection: Connection, frame: ServerFrame | string): void {
    if (connection.closed) return;
    connection.peer.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    // A consumer this far behind would hold server memory without bound; it resumes from its offset.
    if (connection.peer.bufferedAmount > maxBufferedBytes) drop(connection);
  }

  function detach(connection: Connection): void {
    connection.closed = true;
    connections.delete(connection.peer);
    for (const link of connection.sessions.values()) unlink(link);
    connection.sessions.clear();
    connection.quota?.close();
  }

  function drop(connection: Connection): void {
    if (connection.closed) return;
    detach(connection);
    connection.peer.terminate();
  }

  function shut(connection: Connection, code: number, reason: string): void {
    if (connection.closed) return;
    detach(connection);
    connection.peer.close(code, reason);
  }

  function unlink(link: SessionLink): void {
    link.closed = true;
    link.subscription?.close();
    link.expiry?.clear();
  }

  /** Counts a protocol violation; too many in a burst close the socket. */
  function violation(connection: Connection, error: ServerFrame): void {
    send(connection, error);
    if (!connection.violations.take()) {
      limiter?.report('protocolViolations', maxViolations, scopeOf(connection));
      shut(connection, CloseCode.abuse, 'too many protocol violations');
    }
  }

  /** Who a connection is, for abuse reports: its address and the user of a session it follows. */
  function scopeOf(connection: Connection, session?: string): { subject?: string; session?: string; address?: string } {
    const subject = [...connection.sessions.values()].find((link) => link.current)?.current?.userId;
    return {
      ...(subject !== undefined ? { subject } : {}),
      ...(session !== undefined ? { session } : {}),
      ...(connection.address !== undefined ? { address: connection.address } : {}),
    };
  }

  function subscriberFor(connection: Connection, userId: string, link: SessionLink): SessionSubscriber {
    return {
      clientId: connection.clientId ?? connection.id,
      userId,
      // The grant in force now: a refresh to a token without `presence` stops presence at once.
      seesPresence: () => link.current?.capabilities.includes('presence') ?? false,
      subscribed: (frame) => send(connection, frame),
      snapshot: (json) => send(connection, json),
      deliver: (batch) => send(connection, batch.frameJson()),
      presence: (json) => send(connection, json),
      drain: () => waitForRoom(connection),
      attention: () => connection.signals.attention,
      watchAttention: (changed) => (link.attentionChanged = changed),
    };
  }

  /** Keeps the device's attention and tells the presence of every session it follows when it changed. */
  function attend(connection: Connection, frame: Extract<ClientFrame, { type: 'attention' }>): void {
    if (!connection.signals.attend(frame)) return;
    for (const link of connection.sessions.values()) link.attentionChanged?.();
  }

  async function waitForRoom(connection: Connection): Promise<void> {
    const lowWater = Math.min(maxBufferedBytes / 4, 1024 * 1024);
    while (!connection.closed && connection.peer.bufferedAmount > lowWater) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  function scheduleExpiry(connection: Connection, session: string, link: SessionLink, grant: SessionGrant): void {
    link.expiry?.clear();
    // A long timer: an expiry weeks away must not overflow `setTimeout` and fire at once.
    link.expiry = setLongTimeout(() => {
      if (connection.sessions.get(session) !== link) return;
      endLink(connection, session, link, { type: 'error', code: 'unauthorized', message: 'token: expired; subscribe again', field: 'token', session });
    }, grant.expiresAt * 1000 - Date.now());
  }

  async function subscribe(connection: Connection, frame: Extract<ClientFrame, { type: 'subscribe' }>): Promise<void> {
    const { session } = frame;
    const previous = connection.sessions.get(session);
    if (previous) {
      unlink(previous);
      connection.quota?.leave(session);
    } else if (connection.sessions.size >= maxSessions) {
      limiter?.report('maxSessionsPerConnection', maxSessions, scopeOf(connection, session));
      send(connection, { type: 'error', code: 'rate_limited', message: `at most ${maxSessions} sessions per connection`, session });
      return;
    }
    const link: SessionLink = { grant: tokens.verify(frame.token, session), closed: false };
    link.grant.catch(() => undefined);
    connection.sessions.set(session, link);
    try {
      const grant = await link.grant;
      await assertNotRevoked(grant);
      if (link.closed || connection.closed) return;
      await connection.quota?.join(grant.userId, session);
      if (link.closed || connection.closed) return;
      link.current = grant;
      const position = { ...(frame.from !== undefined ? { from: frame.from } : {}), ...(frame.epoch !== undefined ? { epoch: frame.epoch } : {}) };
      const subscription = await hub.subscribe(session, grant, subscriberFor(connection, grant.userId, link), position);
      if (link.closed || connection.closed) {
        subscription.close();
        return;
      }
      link.subscription = subscription;
      // Scheduled once subscribed, so the client always sees `subscribed` before the expiry.
      scheduleExpiry(connection, session, link, await link.grant);
    } catch (error) {
      if (connection.sessions.get(session) === link) {
        connection.sessions.delete(session);
        connection.quota?.leave(session);
      }
      unlink(link);
      send(connection, errorFrame(error, { session }, onError));
    }
  }

  async function write(connection: Connection, frame: Extract<ClientFrame, { type: 'publish' | 'cancel' | 'steer' }>): Promise<void> {
    const context = { session: frame.session, clientMsgId: frame.clientMsgId };
    try {
      const link = connection.sessions.get(frame.session);
      if (!link) throw new ProtocolError('unauthorized', 'session: subscribe with a token before writing', 'session');
      const grant = await link.grant;
      await assertNotRevoked(grant);
      const refund = limiter
        ? await limiter.admitWrite({ subject: grant.userId, session: frame.session, address: connection.address }, frame.type === 'publish' ? frame.event : undefined)
        : () => undefined;
      let result;
      try {
        result = await hub.handle(frame.session, grant, frame);
      } catch (error) {
        refund();
        throw error;
      }
      if (result.duplicate) refund();
      send(connection, result);
    } catch (error) {
      send(connection, errorFrame(error, context, onError));
    }
  }

  async function refresh(connection: Connection, frame: Extract<ClientFrame, { type: 'refresh' }>): Promise<void> {
    const link = connection.sessions.get(frame.session);
    // Writes sent after the refresh wait for its verdict: they are checked against the new grant
    // (or the old one, if the new token is refused), never against the old one while it is verified.
    const previous = link?.grant;
    let settle: (grant: Promise<SessionGrant>) => void = () => undefined;
    if (link && previous) link.grant = new Promise<SessionGrant>((resolve) => (settle = resolve));
    try {
      if (!link || !previous) throw new ProtocolError('not_found', 'session: not subscribed', 'session');
      const grant = await tokens.verify(frame.token, frame.session).catch((error: unknown) => {
        settle(previous);
        throw error;
      });
      const current = await previous;
      const refused = await assertNotRevoked(grant).then(
        () => (grant.userId !== current.userId ? new ProtocolError('forbidden', 'token: issued to another user', 'token') : undefined),
        (error: unknown) => error,
      );
      if (refused) {
        settle(previous);
        throw refused;
      }
      // The new token's grant applies at once: writes are checked against it from now on, and a
      // token without `read` ends the subscription rather than letting it stream on.
      settle(Promise.resolve(grant));
      if (link.closed || connection.sessions.get(frame.session) !== link) return;
      link.current = grant;
      if (!grant.capabilities.includes('read')) {
        endLink(connection, frame.session, link, {
          type: 'error',
          code: 'forbidden',
          message: 'token: lacks the read capability; the subscription ended',
          field: 'token',
          session: frame.session,
        });
        return;
      }
      scheduleExpiry(connection, frame.session, link, grant);
    } catch (error) {
      // A refused refresh leaves the old grant in force (settling twice is a no-op).
      if (previous) settle(previous);
      send(connection, errorFrame(error, { session: frame.session }, onError));
    }
  }

  function handleFrame(connection: Connection, frame: ClientFrame): void {
    if (frame.type === 'hello') {
      if (frame.protocol !== PROTOCOL_VERSION) {
        send(connection, {
          type: 'error',
          code: 'unsupported_version',
          message: `protocol: this server speaks version ${PROTOCOL_VERSION}`,
          field: 'protocol',
        });
        shut(connection, CloseCode.unsupportedVersion, 'unsupported protocol version');
        return;
      }
      connection.clientId = frame.clientId;
      send(connection, { type: 'welcome', protocol: PROTOCOL_VERSION, connectionId: connection.id, clientId: frame.clientId, heartbeatMs, maxFrameBytes });
      return;
    }
    if (connection.clientId === undefined) {
      violation(connection, { type: 'error', code: 'handshake_required', message: 'send hello first', field: 'type' });
      return;
    }
    switch (frame.type) {
      case 'ping':
        send(connection, frame.t === undefined ? { type: 'pong' } : { type: 'pong', t: frame.t });
        return;
      case 'subscribe':
        void subscribe(connection, frame);
        return;
      case 'unsubscribe': {
        const link = connection.sessions.get(frame.session);
        connection.sessions.delete(frame.session);
        if (link) unlink(link);
        return;
      }
      case 'refresh':
        void refresh(connection, frame);
        return;
      case 'attention':
        attend(connection, frame);
        return;
      case 'telemetry':
        connection.signals.telemetry(frame, options.telemetry, telemetryIntervalMs);
        return;
      default:
        if (WRITE_TYPES.has(frame.type)) void write(connection, frame);
    }
  }

  return {
    maxFrameBytes,

    get size() {
      return connections.size;
    },

    upgrade(request) {
      if (!isOriginAllowed(allowedOrigins, request.headers.get('origin'))) {
        return new Response('origin not allowed', { status: 403 });
      }
      return undefined;
    },

    open(peer, request) {
      const now = Date.now();
      const connection: Connection = {
        id: randomUUID(),
        peer,
        lastSeen: now,
        frames: new TokenBucket(burst, perSecond),
        violations: new TokenBucket(maxViolations, maxViolations / 10),
        sessions: new Map(),
        closed: false,
        signals: new DeviceSignalState(),
      };
      const address = request ? options.clientAddress?.(request) : undefined;
      if (address !== undefined) connection.address = address;
      connections.set(peer, connection);
      startHeartbeat();
      if (limiter) {
        const quota = limiter.connection(connection.id, address);
        connection.quota = quota;
        quota.open().catch((error: unknown) => {
          send(connection, errorFrame(error, {}, onError));
          shut(connection, CloseCode.abuse, 'too many connections');
        });
      }
    },

    message(peer, data) {
      const connection = connections.get(peer);
      if (!connection || connection.closed) return;
      connection.lastSeen = Date.now();
      if (typeof data !== 'string') {
        violation(connection, { type: 'error', code: 'bad_frame', message: 'frames are JSON text' });
        return;
      }
      // Adapters enforce the limit before buffering; this guards runtimes that cannot.
      if (data.length > maxFrameBytes || Buffer.byteLength(data) > maxFrameBytes) {
        send(connection, { type: 'error', code: 'frame_too_large', message: `frames are limited to ${maxFrameBytes} bytes` });
        shut(connection, CloseCode.tooLarge, 'frame too large');
        return;
      }
      if (!connection.frames.take()) {
        // Reported once per flood (when the bucket first runs dry), not once per refused frame.
        if (!connection.throttled) {
          connection.throttled = true;
          limiter?.report('rateLimit', perSecond, scopeOf(connection));
        }
        violation(connection, { type: 'error', code: 'rate_limited', message: 'too many frames; slow down' });
        return;
      }
      connection.throttled = false;
      let raw: unknown;
      try {
        raw = JSON.parse(data);
      } catch {
        violation(connection, { type: 'error', code: 'bad_frame', message: 'frame is not valid JSON' });
        return;
      }
      const parsed = ClientFrameSchema.safeParse(raw);
      if (!parsed.success) {
        const error = errorFrame(protocolErrorFromZod(parsed.error));
        const context = raw as { session?: unknown; clientMsgId?: unknown } | null;
        if (typeof context?.clientMsgId === 'string' && context.clientMsgId.length <= 128) error.clientMsgId = context.clientMsgId;
        violation(connection, error);
        return;
      }
      try {
        handleFrame(connection, parsed.data);
      } catch (error) {
        send(connection, errorFrame(error, {}, onError));
      }
    },

    pong(peer) {
      const connection = connections.get(peer);
      if (connection) connection.lastSeen = Date.now();
    },

    close(peer) {
      const connection = connections.get(peer);
      // Closing a connection never cancels a run; it only ends this connection's subscriptions.
      if (connection) detach(connection);
      if (connections.size === 0 && heartbeat) {
        clearInterval(heartbeat);
        heartbeat = undefined;
      }
    },

    closeAll(code = CloseCode.restarting, reason = 'server restarting') {
      for (const connection of [...connections.values()]) shut(connection, code, reason);
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
    },
  };
}
