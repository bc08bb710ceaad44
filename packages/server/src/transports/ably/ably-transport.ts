import { z } from 'zod';
import {
  CONTROL_EVENT_TYPES,
  ClientFrameSchema,
  DEFAULT_MAX_FRAME_BYTES,
  IdSchema,
  ProtocolError,
  SessionIdSchema,
  protocolErrorFromZod,
  type ServerFrame,
} from '@marketing-team/core';
import type { SessionGrant, TokenIssuer } from '../../auth/index.js';
import type { SessionHub } from '../../sessions/session-hub.js';
import { HTTP_STATUS, errorFrame } from '../_errors.js';
import { DEFAULT_TELEMETRY_INTERVAL_MS, DeviceSignalState, type TelemetrySink } from '../_device-signals.js';
import { readLimited } from '../_read-limited.js';
import type { SessionStore, Subscription } from '../../stores/session-store.js';
import {
  isRealtimeChannel,
  type AblyPublishingChannel,
  type AblyServerClient,
  type AblyTokenRequest,
} from './ably-client-types.js';
import { ablyCapabilityFor } from './ably-capabilities.js';
import { AblyMessageName, AblyRecordPartDataSchema, AblyRecordsDataSchema, DEFAULT_ABLY_MAX_MESSAGE_BYTES, DEFAULT_ABLY_MAX_MESSAGES_PER_SECOND } from './ably-wire.js';
import { AblyChannelPrefixSchema, DEFAULT_ABLY_CHANNEL_PREFIX, ablySessionChannels, type AblySessionChannels } from './channel-names.js';
import type { AcceptClientMessage } from './accept-client-message.js';
import { InboundListener } from './_inbound-listener.js';
import { collectRecovery } from './_recovery.js';
import { SessionPublisher, type PublisherStats } from './_session-publisher.js';

/** Options of {@link createAblyTransport}. */
export interface AblyTransportOptions {
  /** An `Ably.Realtime` (publishes and receives client messages) or an `Ably.Rest` (publishes only), created with an API key. */
  ably: AblyServerClient;
  /** The session log whose records are published. */
  store: SessionStore;
  /** First segment of channel names; defaults to `mt` (`mt:session:<id>`). */
  channelPrefix?: string;
  /** Records stored within this many milliseconds travel in one Ably message; defaults to 40. */
  coalesceMs?: number;
  /** Largest `data` per Ably message, in bytes; defaults to 64 KiB less 2 KiB of headroom. */
  maxMessageBytes?: number;
  /** Publishes per second per session channel; defaults to 40 (Ably allows 50 per channel). */
  maxMessagesPerSecond?: number;
  /** Longest lifetime of an Ably token, in milliseconds; defaults to one hour and never outlives the session token. */
  maxTokenTtlMs?: number;
  /** How far back a catch-up of client messages reads history after lost continuity; defaults to 5 minutes. */
  catchUpWindowMs?: number;
  /**
   * The server's session hub (`server.hub`). Client messages received over Ably then go through
   * the same path as WebSocket ones (`hub.handle`: validation, idempotency, launching runs), and
   * the recovery route serves snapshots. Without it, messages are appended to the store directly.
   */
  hub?: SessionHub;
  /** Stores a client message received over Ably; overrides `hub` and the store default. */
  accept?: AcceptClientMessage;
  /** Start delivering a session when a token request is minted for it; defaults to true. */
  openOnTokenRequest?: boolean;
  /** Verifies session tokens for the token and recovery routes (`server.tokens`). */
  tokens?: TokenIssuer;
  /**
   * Receives the devices' telemetry posted to the `/telemetry` route (the server's metrics:
   * `server.metrics`), at most one report per device per `telemetryIntervalMs`; without it the
   * route answers 404.
   */
  telemetry?: TelemetrySink;
  /** Least time between two telemetry reports of one device; sooner ones are dropped. Defaults to 5 000. */
  telemetryIntervalMs?: number;
  /** Called with publish failures (retried) and unexpected errors; defaults to ignoring them. */
  onError?: (error: unknown) => void;
}

/** Delivery counters of one session, for tests and benchmarks. */
export interface AblySessionStats extends PublisherStats {
  session: string;
}

/** Sessions delivered over Ably channels. */
export interface AblyTransport {
  readonly channelPrefix: string;
  /** The Ably channel names of a session. */
  channels(session: string): AblySessionChannels;
  /**
   * Starts delivering a session: publishes its records from where the channel's history stops
   * and (with a realtime client) receives client messages. Idempotent.
   */
  openSession(session: string): Promise<void>;
  /** Stops delivering a session; nothing stored is lost (a later open resumes from the channel's history). */
  closeSession(session: string): Promise<void>;
  /**
   * Mints a signed Ably token request scoped to one session for the holder of `grant` (and opens
   * the session unless `openOnTokenRequest` is false). The browser exchanges it with Ably for a
   * token (`authUrl` / `authCallback`). Signing is local: no request reaches Ably.
   */
  createTokenRequest(session: string, grant: SessionGrant): Promise<AblyTokenRequest>;
  /**
   * A Web-standard handler for Ably's `authUrl`: `GET|POST …?session=<id>` with
   * `Authorization: Bearer <session token>` answers the token request as JSON. Needs `tokens`.
   */
  handleTokenRequest(request: Request): Promise<Response>;
  /**
   * A Web-standard handler for clients that lost Ably continuity: `GET …?session=<id>&from=<offset>&epoch=<epoch>`
   * with `Authorization: Bearer <session token>` answers {@link AblyRecoveryData} as JSON. Needs `tokens` and `hub`.
   */
  handleRecoverRequest(request: Request): Promise<Response>;
  /**
   * A Web-standard handler for devices' delivery telemetry (protocol section 3.11), which Ably has
   * no channel for that every token may publish on: `POST …?session=<id>&clientId=<device>` with
   * `Authorization: Bearer <session token>` and a `telemetry` frame as JSON; answers 204. Needs
   * `tokens` and `telemetry`.
   */
  handleTelemetryRequest(request: Request): Promise<Response>;
  /** Routes for `server.route('/ably', transport.route)`: `/token`, `/recover` and `/telemetry`. */
  route(request: Request, path: string): Promise<Response>;
  /** Resolves once every record stored so far in `session` has been accepted by Ably. */
  flush(session: string): Promise<void>;
  /** Resolves once every client message received so far for `session` has been handled. */
  idle(session: string): Promise<void>;
  stats(session: string): AblySessionStats | undefined;
  /** Stops every session. */
  close(): Promise<void>;
}

const OptionsSchema = z.object({
  ably: z.custom<AblyServerClient>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as AblyServerClient).channels?.get === 'function' &&
      typeof (value as AblyServerClient).auth?.createTokenRequest === 'function',
    'expected an Ably.Rest or Ably.Realtime client',
  ),
  store: z.custom<SessionStore>(
    (value) => typeof value === 'object' && value !== null && typeof (value as SessionStore).subscribe === 'function',
    'expected a SessionStore',
  ),
  channelPrefix: AblyChannelPrefixSchema.default(DEFAULT_ABLY_CHANNEL_PREFIX),
  coalesceMs: z.number().int().min(0).max(1000).default(40),
  maxMessageBytes: z.number().int().min(1024).max(256 * 1024).default(DEFAULT_ABLY_MAX_MESSAGE_BYTES),
  maxMessagesPerSecond: z.number().min(1).max(50).default(DEFAULT_ABLY_MAX_MESSAGES_PER_SECOND),
  maxTokenTtlMs: z.number().int().min(10_000).max(24 * 3600_000).default(3600_000),
  catchUpWindowMs: z.number().int().min(0).max(72 * 3600_000).default(5 * 60_000),
  openOnTokenRequest: z.boolean().default(true),
  accept: z.custom<AcceptClientMessage>((value) => typeof value === 'function', 'expected a function').optional(),
  hub: z
    .custom<SessionHub>((value) => typeof value === 'object' && value !== null && typeof (value as SessionHub).handle === 'function', 'expected a SessionHub')
    .optional(),
  tokens: z
    .custom<TokenIssuer>((value) => typeof value === 'object' && value !== null && typeof (value as TokenIssuer).verify === 'function', 'expected a TokenIssuer')
    .optional(),
  telemetry: z
    .custom<TelemetrySink>(
      (value) => typeof value === 'object' && value !== null && typeof (value as TelemetrySink).report === 'function' && typeof (value as TelemetrySink).dropped === 'function',
      'expected { report, dropped }',
    )
    .optional(),
  telemetryIntervalMs: z.number().int().min(0).max(3600_000).default(DEFAULT_TELEMETRY_INTERVAL_MS),
  onError: z.custom<(error: unknown) => void>((value) => typeof value === 'function', 'expected a function').optional(),
});

const OffsetParamSchema = z.coerce.number().int().nonnegative();

interface OpenSession {
  publisher: SessionPublisher;
  subscription: Subscription;
  listeners: InboundListener[];
}

/** Finds the newest offset already on the log channel (so a restart neither skips nor repeats records). */
async function lastPublishedOffset(channel: AblyPublishingChannel, epoch: string): Promise<number | undefined> {
  const page = await channel.history({ direction: 'backwards', limit: 20 });
  for (const message of page.items) {
    if (message.name === AblyMessageName.records) {
      const data = AblyRecordsDataSchema.safeParse(message.data);
      if (data.success) return data.data.epoch === epoch ? data.data.batch[data.data.batch.length - 1]?.offset : undefined;
    } else if (message.name === AblyMessageName.recordPart) {
      const data = AblyRecordPartDataSchema.safeParse(message.data);
      if (data.success) {
        if (data.data.epoch !== epoch) return undefined;
        return data.data.index === data.data.count - 1 ? data.data.offset : data.data.offset - 1;
      }
    }
  }
  return undefined;
}

/**
 * Delivers sessions over Ably: each session's stored records are published, coalesced and
 * rate-limited, to `<prefix>:session:<id>`; browsers get per-session token requests; client
 * messages on `<prefix>:input:<id>` (write) and `<prefix>:control:<id>` (control) are validated and
 * stored idempotently, with the sender taken from the Ably `clientId` bound into its token.
 */
export function createAblyTransport(options: AblyTransportOptions): AblyTransport {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'options');
  const config = parsed.data;
  const { ably, store, channelPrefix } = config;
  const onError = config.onError ?? (() => undefined);
  const hub = config.hub;
  const viaHub: AcceptClientMessage | undefined = hub
    ? async ({ session, actor, frame }) => {
        // The Ably capability proved the right to publish on this channel; the hub checks it again.
        const control = frame.type !== 'publish' || (CONTROL_EVENT_TYPES as readonly string[]).includes(String(frame.event.type));
        const capability = control ? 'control' : 'write';
        const grant: SessionGrant = {
          userId: actor.kind === 'human' ? actor.id : 'unknown',
          capabilities: [capability],
          expiresAt: Math.floor(Date.now() / 1000) + 60,
        };
        const ack = await hub.handle(session, grant, frame);
        return { offset: ack.offset, duplicate: ack.duplicate };
      }
    : undefined;
  const accept: AcceptClientMessage =
    config.accept ??
    viaHub ??
    (async ({ session, clientMsgId, event }) => {
      const result = await store.append(session, [event], { clientMsgId });
      const first = result.records[0];
      if (!first) throw new Error('store.append returned no record');
      return { offset: first.offset, duplicate: result.duplicate };
    });

  const open = new Map<string, OpenSession>();
  /** What the telemetry route keeps of each device (user and device id): when its last report was taken. */
  const devices = new Map<string, DeviceSignalState>();
  const opening = new Map<string, Promise<void>>();
  let closed = false;

  const channels = (session: string): AblySessionChannels => ablySessionChannels(session, channelPrefix);
  // Client messages can only be received with a realtime client; with REST, tokens grant reading only.
  const receivesClientMessages = (session: string): boolean => isRealtimeChannel(ably.channels.get(channels(session).control));

  async function start(session: string): Promise<void> {
    const names = channels(session);
    const logChannel = ably.channels.get(names.log);
    const head = await store.head(session);
    let from = head.offset;
    try {
      const last = await lastPublishedOffset(logChannel, head.epoch);
      // Records the channel misses are published again; a lost or reset history starts at the head
      // and clients that need older records fetch a snapshot from the server.
      if (last !== undefined && last <= head.offset) from = last;
    } catch (error) {
      onError(error);
    }
    if (closed) return;
    const publisher = new SessionPublisher({
      session,
      epoch: head.epoch,
      channel: logChannel,
      publishedOffset: from,
      coalesceMs: config.coalesceMs,
      minIntervalMs: Math.ceil(1000 / config.maxMessagesPerSecond),
      maxMessageBytes: config.maxMessageBytes,
      onError,
    });
    const subscription = store.subscribe(session, from, (records) => publisher.pushRecords(records), {
      // A reset log has a new epoch: start over so clients see the new epoch and re-snapshot.
      onReset: () => {
        void transport
          .closeSession(session)
          .then(() => (closed ? undefined : transport.openSession(session)))
          .catch(onError);
      },
      onError,
    });
    const listeners: InboundListener[] = [];
    const reply = (frame: ServerFrame): void => publisher.pushReply(frame);
    for (const kind of ['input', 'control'] as const) {
      const channel = ably.channels.get(names[kind]);
      if (!isRealtimeChannel(channel)) continue;
      const listener = new InboundListener({ session, kind, channel, accept, reply, onError, catchUpWindowMs: config.catchUpWindowMs });
      listeners.push(listener);
    }
    open.set(session, { publisher, subscription, listeners });
    try {
      await Promise.all(listeners.map((listener) => listener.start()));
    } catch (error) {
      // Not receiving client messages would be silent; undo, so the next open tries again.
      await teardown(session);
      throw error;
    }
  }

  async function teardown(session: string): Promise<void> {
    const entry = open.get(session);
    if (!entry) return;
    open.delete(session);
    entry.subscription.close();
    entry.publisher.close();
    await Promise.all(entry.listeners.map((listener) => listener.close().catch(onError)));
  }

  const jsonResponse = (status: number, body: unknown): Response =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });

  const errorResponse = (error: unknown): Response => {
    const frame = errorFrame(error, {}, onError);
    return jsonResponse(HTTP_STATUS[frame.code], frame);
  };

  /** The session named by `?session=` and the grant of the bearer token for it. */
  async function verifiedRequest(request: Request, url: URL): Promise<{ session: string; grant: SessionGrant }> {
    const session = SessionIdSchema.safeParse(url.searchParams.get('session'));
    if (!session.success) throw protocolErrorFromZod(session.error, 'session');
    const token = /^Bearer\s+(.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1]?.trim();
    if (!token) throw new ProtocolError('unauthorized', 'token: missing bearer token', 'token');
    const grant = await config.tokens!.verify(token, session.data);
    return { session: session.data, grant };
  }

  const transport: AblyTransport = {
    channelPrefix,
    channels,

    async openSession(session) {
      const id = SessionIdSchema.safeParse(session);
      if (!id.success) throw protocolErrorFromZod(id.error, 'session');
      if (closed) throw new ProtocolError('internal', 'the Ably transport is closed');
      if (open.has(session)) return;
      let pending = opening.get(session);
      if (!pending) {
        pending = start(session).finally(() => opening.delete(session));
        opening.set(session, pending);
      }
      await pending;
    },

    async closeSession(session) {
      await opening.get(session)?.catch(() => undefined);
      await teardown(session);
    },

    async createTokenRequest(session, grant) {
      channels(session); // validates the session id
      if (typeof grant !== 'object' || grant === null) throw new ProtocolError('bad_frame', 'grant: expected a session grant', 'grant');
      const userId = grant.userId;
      if (typeof userId !== 'string' || userId.length === 0 || userId.length > 200 || userId.includes('*')) {
        // Ably refuses a clientId containing "*" (https://ably.com/docs/auth/identified-clients).
        throw new ProtocolError('bad_frame', 'grant.userId: a non-empty id without "*" is required', 'grant.userId');
      }
      const remainingMs = grant.expiresAt * 1000 - Date.now();
      if (!Number.isFinite(remainingMs) || remainingMs <= 0) throw new ProtocolError('unauthorized', 'token: expired', 'token');
      const capabilities = receivesClientMessages(session) ? grant.capabilities : grant.capabilities.filter((c) => c === 'read');
      if (capabilities.length === 0) throw new ProtocolError('forbidden', 'capabilities: nothing this transport can grant', 'capabilities');
      const capability = ablyCapabilityFor(session, capabilities, channelPrefix);
      // Delivery starts in the background: the token does not depend on it, and a client that
      // attaches before the first publish catches up from history or the server.
      if (config.openOnTokenRequest && !open.has(session)) void transport.openSession(session).catch(onError);
      return ably.auth.createTokenRequest({
        clientId: userId,
        capability: JSON.stringify(capability),
        ttl: Math.max(1000, Math.min(config.maxTokenTtlMs, Math.floor(remainingMs))),
      });
    },

    async handleTokenRequest(request) {
      try {
        if (!config.tokens) throw new ProtocolError('internal', 'no token issuer configured for Ably token requests');
        if (request.method !== 'GET' && request.method !== 'POST') throw new ProtocolError('bad_frame', 'method: use GET or POST', 'method');
        const { session, grant } = await verifiedRequest(request, new URL(request.url));
        return jsonResponse(200, await transport.createTokenRequest(session, grant));
      } catch (error) {
        return errorResponse(error);
      }
    },

    async handleRecoverRequest(request) {
      try {
        if (!config.tokens || !hub) throw new ProtocolError('internal', 'the recovery route needs tokens and hub');
        if (request.method !== 'GET') throw new ProtocolError('bad_frame', 'method: use GET', 'method');
        const url = new URL(request.url);
        const { session, grant } = await verifiedRequest(request, url);
        const position: { from?: number; epoch?: string } = {};
        const from = url.searchParams.get('from');
        if (from !== null) {
          const parsedFrom = OffsetParamSchema.safeParse(from);
          if (!parsedFrom.success) throw protocolErrorFromZod(parsedFrom.error, 'from');
          position.from = parsedFrom.data;
        }
        const epoch = url.searchParams.get('epoch');
        if (epoch !== null) position.epoch = epoch.slice(0, 128);
        return jsonResponse(200, await collectRecovery(hub, session, grant, position));
      } catch (error) {
        return errorResponse(error);
      }
    },

    async handleTelemetryRequest(request) {
      try {
        if (!config.tokens || !config.telemetry) throw new ProtocolError('not_found', 'no telemetry route: the transport has no tokens or telemetry');
        if (request.method !== 'POST') throw new ProtocolError('bad_frame', 'method: use POST', 'method');
        const url = new URL(request.url);
        const { grant } = await verifiedRequest(request, url);
        const clientId = IdSchema.safeParse(url.searchParams.get('clientId'));
        if (!clientId.success) throw protocolErrorFromZod(clientId.error, 'clientId');
        let raw: unknown;
        try {
          raw = JSON.parse(await readLimited(request, DEFAULT_MAX_FRAME_BYTES));
        } catch (error) {
          if (error instanceof ProtocolError) throw error;
          throw new ProtocolError('bad_frame', 'body is not valid JSON');
        }
        const frame = ClientFrameSchema.safeParse(raw);
        if (!frame.success) throw protocolErrorFromZod(frame.error);
        if (frame.data.type !== 'telemetry') throw new ProtocolError('bad_frame', 'type: POST a telemetry frame', 'type');
        const key = `${grant.userId}\n${clientId.data}`;
        let device = devices.get(key);
        if (!device) {
          // Only the time of each device's last report is kept; forget them all now and then so the map stays small.
          if (devices.size > 10_000) devices.clear();
          device = new DeviceSignalState();
          devices.set(key, device);
        }
        device.telemetry(frame.data, config.telemetry, config.telemetryIntervalMs);
        return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
      } catch (error) {
        return errorResponse(error);
      }
    },

    async route(request, path) {
      if (path === '/token') return transport.handleTokenRequest(request);
      if (path === '/recover') return transport.handleRecoverRequest(request);
      if (path === '/telemetry') return transport.handleTelemetryRequest(request);
      return jsonResponse(404, { type: 'error', code: 'not_found', message: 'no such route' });
    },

    async flush(session) {
      await opening.get(session)?.catch(() => undefined);
      const entry = open.get(session);
      if (!entry) return;
      const head = await store.head(session);
      await entry.publisher.published(head.offset);
    },

    async idle(session) {
      const entry = open.get(session);
      if (!entry) return;
      await Promise.all(entry.listeners.map((listener) => listener.idle()));
    },

    stats(session) {
      const entry = open.get(session);
      return entry ? { session, ...entry.publisher.stats } : undefined;
    },

    async close() {
      closed = true;
      await Promise.all([...open.keys(), ...opening.keys()].map((session) => transport.closeSession(session)));
    },
  };
  return transport;
}
