import { randomUUID } from 'node:crypto';
import {
  ClientFrameSchema,
  DEFAULT_MAX_FRAME_BYTES,
  IdSchema,
  OffsetSchema,
  ProtocolError,
  protocolErrorFromZod,
  type ServerFrame,
} from '@marketing-team/core';
import { revokes, type RevocationList } from '../../auth/revocation-list.js';
import type { SessionGrant, TokenIssuer } from '../../auth/token-issuer.js';
import type { Limiter } from '../../limits/limiter.js';
import type { SessionHub } from '../../sessions/session-hub.js';
import type { HubSubscription, SessionSubscriber } from '../../sessions/session-subscriber.js';
import { HTTP_STATUS, errorFrame } from '../_errors.js';
import { setLongTimeout, type LongTimeout } from '../_long-timeout.js';
import { readLimited } from '../_read-limited.js';
import { TokenBucket } from '../_token-bucket.js';
import { DEFAULT_TELEMETRY_INTERVAL_MS, DeviceSignalState, type TelemetrySink } from '../_device-signals.js';
import type { RateLimitOptions } from '../websocket/websocket-hooks.js';

/** Options of {@link createSseTransport}. */
export interface SseTransportOptions {
  hub: SessionHub;
  tokens: TokenIssuer;
  /** Largest accepted POST body in bytes; defaults to 64 KiB. */
  maxFrameBytes?: number;
  /** Per user and session rate limit of POSTed messages. */
  rateLimit?: RateLimitOptions;
  /** Interval of heartbeat comments; defaults to 15 000 ms. */
  heartbeatMs?: number;
  /** A stream whose unread bytes exceed this is ended (the client resumes with Last-Event-ID). Defaults to 8 MiB. */
  maxBufferedBytes?: number;
  /** Quotas on connections, briefs and stored bytes. */
  limiter?: Limiter;
  /** Revoked tokens: refused on connect and write, and their streams ended when revoked. */
  revocations?: RevocationList;
  /** The client address of a request, for the per-address limits. */
  clientAddress?: (request: Request) => string | undefined;
  /** Receives the devices' `telemetry` frames, at most one per device per `telemetryIntervalMs`; without it they are ignored. */
  telemetry?: TelemetrySink;
  /** Least time between two telemetry frames of one device; sooner ones are dropped. Defaults to 5 000. */
  telemetryIntervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * The fallback transport for hosts without WebSockets: a Server-Sent Events stream per
 * session and a POST endpoint for publish, cancel and steer, so resuming the stream and
 * cancelling a run never conflict.
 */
export interface SseTransport {
  /**
   * `GET …/sessions/:session/events`. Token in `Authorization: Bearer` or `?token=`; resume
   * with `Last-Event-ID` or `?from=` (an offset) and `?epoch=`; `?clientId=` names the device
   * in presence. Streams a `subscribed` event, a `snapshot` event when needed, then one event
   * per record with `id: <offset>` (data: the record as JSON) and `presence` events.
   */
  events(request: Request, session: string): Promise<Response>;
  /**
   * `POST …/sessions/:session/messages` with a `publish`, `cancel` or `steer` frame as JSON;
   * answers with the `ack` or `error` frame. An `attention` or `telemetry` frame, with
   * `?clientId=` naming the device whose event streams are open, is answered `204` (or `error`):
   * the device is the SSE client, whichever of its sessions the frame is posted to.
   */
  messages(request: Request, session: string): Promise<Response>;
  /** Ends every open stream. */
  closeAll(): void;
}

const encoder = new TextEncoder();

/** Reads the bearer token of a request: `Authorization: Bearer …`, else `?token=`. */
export function tokenOf(request: Request, url: URL): string | undefined {
  const header = request.headers.get('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1];
  }
  return url.searchParams.get('token') ?? undefined;
}

/**
 * The grant of a request's session token (header or `?token=`), refused when it is missing,
 * invalid, for another session, or revoked: what every HTTP route of a session checks first.
 */
export async function grantOfRequest(request: Request, url: URL, session: string, tokens: TokenIssuer, revocations?: RevocationList): Promise<SessionGrant> {
  const token = tokenOf(request, url);
  if (!token) throw new ProtocolError('unauthorized', 'token: send Authorization: Bearer <token> or ?token=', 'token');
  const grant = await tokens.verify(token, session);
  if (revocations && (await revocations.isRevoked(grant))) throw new ProtocolError('unauthorized', 'token: revoked', 'token');
  return grant;
}

function json(frame: ServerFrame, status: number): Response {
  return new Response(JSON.stringify(frame), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

function failure(error: unknown, context: { session?: string; clientMsgId?: string }, onError: (error: unknown) => void): Response {
  const frame = errorFrame(error, context, onError);
  if (frame.type !== 'error') return json(frame, 500);
  return json(frame, HTTP_STATUS[frame.code]);
}

/** Creates the SSE + POST transport over a hub. */
export function createSseTransport(options: SseTransportOptions): SseTransport {
  const { hub, tokens } = options;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  const perSecond = options.rateLimit?.messagesPerSecond ?? 50;
  const burst = options.rateLimit?.burst ?? 100;
  const onError = options.onError ?? ((error: unknown) => console.error('[marketing-team] sse:', error));
  const buckets = new Map<string, TokenBucket>();
  const streams = new Set<() => void>();
  const telemetryIntervalMs = options.telemetryIntervalMs ?? DEFAULT_TELEMETRY_INTERVAL_MS;
  /**
   * The devices with an event stream open, by user and client id: what a WebSocket connection
   * keeps of its device, shared by the streams of one SSE client (one per session it follows).
   */
  const devices = new Map<string, { signals: DeviceSignalState; streams: number; watchers: Set<() => void> }>();
  const { limiter, revocations } = options;
  /** Open streams by the grant they were opened with, so a revocation can end them. */
  const granted = new Map<() => void, { grant: SessionGrant; revoke: () => void }>();
  revocations?.onRevoked((revocation) => {
    for (const { grant, revoke } of [...granted.values()]) if (revokes(revocation, grant)) revoke();
  });


  function rateLimited(key: string): boolean {
    let bucket = buckets.get(key);
    if (!bucket) {
      // Forget idle buckets now and then so the map stays small.
      if (buckets.size > 10_000) buckets.clear();
      bucket = new TokenBucket(burst, perSecond);
      buckets.set(key, bucket);
    }
    return !bucket.take();
  }

  return {
    async events(request, session) {
      const url = new URL(request.url);
      let grant: SessionGrant;
      let from: number | undefined;
      let clientId: string;
      const address = options.clientAddress?.(request);
      const quota = limiter?.connection(randomUUID(), address);
      try {
        grant = await grantOfRequest(request, url, session, tokens, revocations);
        const resumeFrom = request.headers.get('last-event-id') ?? url.searchParams.get('from');
        if (resumeFrom !== null && resumeFrom !== '') {
          const parsed = OffsetSchema.safeParse(Number(resumeFrom));
          if (!parsed.success) throw new ProtocolError('bad_frame', 'from: expected an offset', 'from');
          from = parsed.data;
        }
        const requestedClient = url.searchParams.get('clientId');
        clientId = requestedClient && IdSchema.safeParse(requestedClient).success ? requestedClient : randomUUID();
        // Streams count against the same connection limits as WebSockets.
        await quota?.open();
        await quota?.join(grant.userId, session);
      } catch (error) {
        quota?.close();
        return failure(error, { session }, onError);
      }
      const epoch = url.searchParams.get('epoch') ?? undefined;

      let subscription: HubSubscription | undefined;
      let heartbeat: NodeJS.Timeout | undefined;
      let expiry: LongTimeout | undefined;
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      let ended = false;
      const deviceKey = `${grant.userId}\n${clientId}`;
      let device = devices.get(deviceKey);
      if (!device) {
        device = { signals: new DeviceSignalState(), streams: 0, watchers: new Set() };
        devices.set(deviceKey, device);
      }
      device.streams += 1;
      const thisDevice = device;
      let attentionChanged: (() => void) | undefined;

      const end = () => {
        if (ended) return;
        ended = true;
        if (attentionChanged) thisDevice.watchers.delete(attentionChanged);
        thisDevice.streams -= 1;
        if (thisDevice.streams === 0 && devices.get(deviceKey) === thisDevice) devices.delete(deviceKey);
        streams.delete(end);
        granted.delete(end);
        quota?.close();
        subscription?.close();
        clearInterval(heartbeat);
        expiry?.clear();
        try {
          controller.close();
        } catch {
          // already closed or cancelled by the client
        }
      };
      const write = (text: string) => {
        if (ended) return;
        controller.enqueue(encoder.encode(text));
        // A reader this far behind would hold server memory without bound; it resumes by Last-Event-ID.
        if ((controller.desiredSize ?? 0) < -maxBufferedBytes) end();
      };
      const subscriber: SessionSubscriber = {
        clientId,
        userId: grant.userId,
        subscribed: (frame) => write(`event: subscribed\ndata: ${JSON.stringify(frame)}\n\n`),
        snapshot: (frameJson, offset) => write(`event: snapshot\nid: ${offset}\ndata: ${frameJson}\n\n`),
        deliver: (batch) => write(batch.eventStreamText()),
        // The event is named after the frame (`presence` or `presence.changed`).
        presence: (frameJson) => write(`event: ${frameJson.startsWith('{"type":"presence.changed"') ? 'presence.changed' : 'presence'}\ndata: ${frameJson}\n\n`),
        drain: async () => {
          while (!ended && (controller.desiredSize ?? 1) <= 0) await new Promise((resolve) => setTimeout(resolve, 10));
        },
        attention: () => thisDevice.signals.attention,
        watchAttention: (changed) => {
          if (ended) return;
          attentionChanged = changed;
          thisDevice.watchers.add(changed);
        },
      };

      const body = new ReadableStream<Uint8Array>(
        {
          start(streamController) {
            controller = streamController;
          },
          cancel() {
            end();
          },
        },
        new ByteLengthQueuingStrategy({ highWaterMark: 256 * 1024 }),
      );
      streams.add(end);
      granted.set(end, {
        grant,
        revoke: () => {
          write(`event: error\ndata: ${JSON.stringify({ type: 'error', code: 'unauthorized', message: 'token: revoked', field: 'token', session })}\n\n`);
          end();
        },
      });
      request.signal?.addEventListener('abort', end, { once: true });
      controller.enqueue(encoder.encode(`retry: 1000\n\n`));
      heartbeat = setInterval(() => write(`: ping\n\n`), heartbeatMs);
      heartbeat.unref();
      // A long timer: an expiry weeks away must not overflow `setTimeout` and end the stream at once.
      expiry = setLongTimeout(() => {
        write(`event: error\ndata: ${JSON.stringify({ type: 'error', code: 'unauthorized', message: 'token: expired', field: 'token', session })}\n\n`);
        end();
      }, grant.expiresAt * 1000 - Date.now());
      hub
        .subscribe(session, grant, subscriber, { ...(from !== undefined ? { from } : {}), ...(epoch ? { epoch } : {}) })
        .then(
          (handle) => {
            if (ended) handle.close();
            else subscription = handle;
          },
          (error: unknown) => {
            write(`event: error\ndata: ${JSON.stringify(errorFrame(error, { session }, onError))}\n\n`);
            end();
          },
        );
      return new Response(body, {
        status: 200,
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        },
      });
    },

    async messages(request, session) {
      const url = new URL(request.url);
      let clientMsgId: string | undefined;
      try {
        const text = await readLimited(request, maxFrameBytes);
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch {
          throw new ProtocolError('bad_frame', 'body is not valid JSON');
        }
        const candidate = (raw as { clientMsgId?: unknown } | null)?.clientMsgId;
        if (typeof candidate === 'string' && IdSchema.safeParse(candidate).success) clientMsgId = candidate;
        const parsed = ClientFrameSchema.safeParse(raw);
        if (!parsed.success) throw protocolErrorFromZod(parsed.error);
        const frame = parsed.data;
        const signal = frame.type === 'attention' || frame.type === 'telemetry';
        if (frame.type !== 'publish' && frame.type !== 'cancel' && frame.type !== 'steer' && !signal) {
          throw new ProtocolError('bad_frame', 'type: POST publish, cancel, steer, attention or telemetry frames', 'type');
        }
        if (!signal && frame.session !== session) throw new ProtocolError('bad_frame', 'session: does not match the URL', 'session');
        const grant = await grantOfRequest(request, url, session, tokens, revocations);
        if (rateLimited(`${session}\u0000${grant.userId}`)) {
          limiter?.report('rateLimit', perSecond, { subject: grant.userId, session, address: options.clientAddress?.(request) });
          throw new ProtocolError('rate_limited', 'too many messages; slow down', 'rateLimit');
        }
        if (frame.type === 'attention' || frame.type === 'telemetry') {
          // As over a WebSocket, no capability is needed: a valid token of the user whose device it is
          // (the device is found by that user and its client id, so nobody speaks for another's).
          const device = devices.get(`${grant.userId}\n${url.searchParams.get('clientId') ?? ''}`);
          if (!device) throw new ProtocolError('not_found', 'clientId: no event stream of this device is open', 'clientId');
          if (frame.type === 'telemetry') device.signals.telemetry(frame, options.telemetry, telemetryIntervalMs);
          else if (device.signals.attend(frame)) for (const changed of [...device.watchers]) changed();
          return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
        }
        const refund = limiter
          ? await limiter.admitWrite({ subject: grant.userId, session, address: options.clientAddress?.(request) }, frame.type === 'publish' ? frame.event : undefined)
          : () => undefined;
        let ack;
        try {
          ack = await hub.handle(session, grant, frame);
        } catch (error) {
          refund();
          throw error;
        }
        if (ack.duplicate) refund();
        return json(ack, 200);
      } catch (error) {
        return failure(error, { session, ...(clientMsgId ? { clientMsgId } : {}) }, onError);
      }
    },

    closeAll() {
      for (const end of [...streams]) end();
    },
  };
}
