import { ClientFrameSchema, PROTOCOL_VERSION, ProtocolError, protocolErrorFromZod, type ClientFrameOf, type ServerFrame } from '@marketing-team/core';
import type { AblyBrowserClient } from '../ably-client-types.js';
import type { AblyRecover } from './ably-recovery.js';
import type { AblyTelemetrySender } from './ably-telemetry.js';
import { PresenceRelay } from './_presence-relay.js';
import { SessionFollower, type FollowerSettings } from './_session-follower.js';
import { ablySessionChannels } from '../channel-names.js';

/** An Ably client for one session, as made by the host (usually `new Ably.Realtime({ authCallback })`). */
export type AblyClientFactory = (session: string, auth: { getToken(): string }) => AblyBrowserClient & { close?(): void };

/** Options of {@link createAblySessionSocket}. */
export interface AblySessionSocketOptions {
  /**
   * Makes the Ably client of a session. Ably tokens are scoped to one session, so each session
   * gets its own client; `auth.getToken()` returns the current session token (refreshed by the
   * session client), for an `authCallback` such as {@link ablyAuthCallback}.
   */
  ably: AblyClientFactory;
  /** Fetches a snapshot and records from the server when Ably cannot fill a gap ({@link fetchAblyRecovery}). */
  recover: AblyRecover;
  /** First segment of channel names; must match the server's (defaults to `mt`). */
  channelPrefix?: string;
  /** Messages Ably replays on the first attach (at most 100), sparing a history request on a short catch-up. */
  rewind?: number;
  /** Messages per history page; defaults to 100. */
  historyPageSize?: number;
  /** History pages read before falling back to the server; defaults to 5. */
  maxHistoryPages?: number;
  /**
   * Sends the device's delivery telemetry to the server ({@link postAblyTelemetry}): Ably has no
   * channel every token may publish on, so reports go over HTTP. Without it they are not sent.
   */
  telemetry?: AblyTelemetrySender;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/**
 * Makes a WebSocket-compatible constructor that speaks the session protocol over Ably, so core's
 * `SessionClient` (and the widget and hooks built on it) runs unchanged on Ably: pass it as the
 * client's WebSocket implementation. Frames the client sends are answered locally (`hello`,
 * `ping`), turned into Ably subscriptions (`subscribe`, `unsubscribe`) or published on the
 * session's input or control channel (`publish`, `cancel`, `steer`); what Ably delivers comes
 * back as `subscribed`, `snapshot`, `events`, `ack` and `error` frames.
 */
export function createAblySessionSocket(options: AblySessionSocketOptions): new (url: string) => AblySessionSocket {
  if (typeof options?.ably !== 'function') throw new ProtocolError('bad_frame', 'options.ably: expected a function making an Ably client', 'options.ably');
  if (typeof options.recover !== 'function') throw new ProtocolError('bad_frame', 'options.recover: expected a function', 'options.recover');
  if (options.telemetry !== undefined && typeof options.telemetry !== 'function') {
    throw new ProtocolError('bad_frame', 'options.telemetry: expected a function', 'options.telemetry');
  }
  const settings: FollowerSettings = {
    channelPrefix: options.channelPrefix,
    rewind: options.rewind === undefined ? undefined : Math.max(0, Math.min(100, Math.floor(options.rewind))),
    historyPageSize: Math.max(1, Math.min(1000, Math.floor(options.historyPageSize ?? 100))),
    maxHistoryPages: Math.max(1, Math.floor(options.maxHistoryPages ?? 5)),
    recover: options.recover,
  };
  const telemetry = options.telemetry;
  return class extends AblySessionSocket {
    constructor(url: string) {
      super(url, options.ably, settings, telemetry);
    }
  };
}

interface SessionEntry {
  follower: SessionFollower;
  presence: PresenceRelay;
  client: AblyBrowserClient & { close?(): void };
  token: { value: string };
}

/** One "socket": the sessions one session client follows over Ably. */
export class AblySessionSocket {
  readyState = CONNECTING;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly #factory: AblyClientFactory;
  readonly #settings: FollowerSettings;
  readonly #sessions = new Map<string, SessionEntry>();
  #helloed = false;
  /** The device id the client said hello with: how presence names this device. */
  #device = '';
  /** The page's attention as it last said, for the presence of every session it follows. */
  #attention: Omit<ClientFrameOf<'attention'>, 'type'> | undefined;
  readonly #telemetry: AblyTelemetrySender | undefined;

  constructor(
    readonly url: string,
    factory: AblyClientFactory,
    settings: FollowerSettings,
    telemetry?: AblyTelemetrySender,
  ) {
    this.#factory = factory;
    this.#settings = settings;
    this.#telemetry = telemetry;
    setTimeout(() => {
      if (this.readyState !== CONNECTING) return;
      this.readyState = OPEN;
      this.onopen?.({});
    }, 0);
  }

  /** Sessions followed, with the offset applied so far (for tests and telemetry). */
  get sessions(): Array<{ session: string; applied: number; recoveries: number }> {
    return [...this.#sessions].map(([session, entry]) => ({
      session,
      applied: entry.follower.applied,
      recoveries: entry.follower.recoveries,
    }));
  }

  send(data: string): void {
    if (this.readyState !== OPEN) throw new Error('the socket is not open');
    let raw: unknown;
    try {
      raw = JSON.parse(String(data));
    } catch {
      this.#emit({ type: 'error', code: 'bad_frame', message: 'frame is not JSON' });
      return;
    }
    const parsed = ClientFrameSchema.safeParse(raw);
    if (!parsed.success) {
      const error = protocolErrorFromZod(parsed.error);
      this.#emit({ type: 'error', code: 'bad_frame', message: error.message, ...(error.field ? { field: error.field } : {}) });
      return;
    }
    const frame = parsed.data;
    if (frame.type === 'hello') {
      if (frame.protocol !== PROTOCOL_VERSION) {
        this.#emit({ type: 'error', code: 'unsupported_version', message: `protocol ${frame.protocol} is not spoken; use ${PROTOCOL_VERSION}` });
        this.close(4000, 'unsupported version');
        return;
      }
      this.#helloed = true;
      this.#device = frame.clientId;
      this.#emit({ type: 'welcome', protocol: PROTOCOL_VERSION, connectionId: `ably-${frame.clientId}`, heartbeatMs: 30_000, maxFrameBytes: 64 * 1024 });
      return;
    }
    if (frame.type === 'ping') {
      this.#emit(frame.t === undefined ? { type: 'pong' } : { type: 'pong', t: frame.t });
      return;
    }
    if (!this.#helloed) {
      this.#emit({ type: 'error', code: 'handshake_required', message: 'send hello first' });
      return;
    }
    switch (frame.type) {
      case 'subscribe':
        void this.#subscribe(frame.session, frame.token, frame.from, frame.epoch);
        return;
      case 'unsubscribe':
        void this.#unsubscribe(frame.session);
        return;
      case 'refresh': {
        const entry = this.#sessions.get(frame.session);
        if (entry) {
          entry.token.value = frame.token;
          entry.follower.refresh(frame.token);
        }
        return;
      }
      case 'publish':
      case 'cancel':
      case 'steer': {
        const entry = this.#sessions.get(frame.session);
        if (!entry) {
          this.#emit({ type: 'error', code: 'forbidden', message: 'session: subscribe first', session: frame.session, clientMsgId: frame.clientMsgId });
          return;
        }
        entry.follower.send(frame);
        return;
      }
      case 'attention': {
        const { type: _type, ...attention } = frame;
        this.#attention = attention;
        for (const entry of this.#sessions.values()) entry.presence.attend(attention);
        return;
      }
      case 'telemetry': {
        // Any session's token vouches for the device, as any subscription does on a WebSocket.
        const [session, entry] = [...this.#sessions][0] ?? [];
        if (session === undefined || !entry || !this.#telemetry) return;
        this.#telemetry({ session, token: entry.token.value, device: this.#device, frame }).catch(() => undefined);
        return;
      }
    }
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    for (const session of [...this.#sessions.keys()]) void this.#unsubscribe(session);
    setTimeout(() => this.onclose?.({ code, reason }), 0);
  }

  async #subscribe(session: string, token: string, from: number | undefined, epoch: string | undefined): Promise<void> {
    await this.#unsubscribe(session);
    const holder = { value: token };
    let entry: SessionEntry | undefined;
    try {
      const client = this.#factory(session, { getToken: () => holder.value });
      const follower = new SessionFollower({
        session,
        token,
        from,
        epoch,
        ably: client,
        settings: this.#settings,
        emit: (frame) => this.#emit(frame),
      });
      const log = client.channels.get(ablySessionChannels(session, this.#settings.channelPrefix).log);
      const presence = new PresenceRelay(log, session, this.#device, (frame) => this.#emit(frame), this.#attention);
      entry = { follower, presence, client, token: holder };
      this.#sessions.set(session, entry);
      await follower.start();
      await presence.start();
    } catch (error) {
      // Unsubscribed (or subscribed again) while starting: it failed because it was closed, which
      // is no news, and the session's entry now belongs to the newer subscription, left as it is.
      if (entry && this.#sessions.get(session) !== entry) return;
      const code = error instanceof ProtocolError ? error.code : 'unauthorized';
      this.#emit({ type: 'error', code, message: error instanceof Error ? error.message : 'could not attach', session });
      await this.#unsubscribe(session);
    }
  }

  async #unsubscribe(session: string): Promise<void> {
    const entry = this.#sessions.get(session);
    if (!entry) return;
    this.#sessions.delete(session);
    await entry.presence.close();
    await entry.follower.close().catch(() => undefined);
    entry.client.close?.();
  }

  #emit(frame: ServerFrame): void {
    if (this.readyState !== OPEN) return;
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}
