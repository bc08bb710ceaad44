import type { ServerFrame } from '@marketing-team/core';
import type { AblyPresenceMessage, AblyRealtimeChannel } from '../ably-client-types.js';

interface Viewer {
  clientId: string;
  userId: string;
  since: number;
}

/** Least time between two `presence.changed` frames, as the server's default. */
const PRESENCE_INTERVAL_MS = 500;

/** The viewer a presence member stands for: its token's user and the device id it entered with. */
function viewerOf(member: AblyPresenceMessage): Viewer | undefined {
  const device = (member.data as { clientId?: unknown } | null | undefined)?.clientId;
  if (typeof device !== 'string' || typeof member.clientId !== 'string') return undefined;
  return { clientId: device, userId: member.clientId, since: member.timestamp ?? 0 };
}

/**
 * Who watches a session over Ably, as the protocol's presence frames: the device enters the log
 * channel's presence set (which needs the token's `presence` capability; without it the device
 * is told nothing, as on the WebSocket), then gets the viewer list once and `presence.changed`
 * frames coalesced to one per half second, like the server's.
 */
export class PresenceRelay {
  readonly #channel: AblyRealtimeChannel;
  readonly #session: string;
  readonly #device: string;
  readonly #emit: (frame: ServerFrame) => void;
  readonly #published = new Map<string, Viewer>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sentAt = 0;
  #entered = false;
  #closed = false;
  readonly #onChange = (): void => this.#schedule();

  constructor(channel: AblyRealtimeChannel, session: string, device: string, emit: (frame: ServerFrame) => void) {
    this.#channel = channel;
    this.#session = session;
    this.#device = device;
    this.#emit = emit;
  }

  async start(): Promise<void> {
    const presence = this.#channel.presence;
    if (!presence) return;
    try {
      await presence.enter({ clientId: this.#device });
    } catch {
      return; // no `presence` capability: this device is not told who watches
    }
    this.#entered = true;
    if (this.#closed) return void presence.leave().catch(() => undefined);
    await presence.subscribe(this.#onChange);
    for (const [key, viewer] of await this.#read()) this.#published.set(key, viewer);
    this.#sentAt = Date.now();
    if (!this.#closed) this.#emit({ type: 'presence', session: this.#session, viewers: [...this.#published.values()] });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const presence = this.#channel.presence;
    if (!presence || !this.#entered) return;
    presence.unsubscribe(this.#onChange);
    await presence.leave().catch(() => undefined);
  }

  async #read(): Promise<Map<string, Viewer>> {
    const current = new Map<string, Viewer>();
    for (const member of (await this.#channel.presence?.get()) ?? []) {
      const viewer = viewerOf(member);
      if (!viewer) continue;
      const key = `${viewer.userId}\n${viewer.clientId}`;
      const seen = current.get(key);
      if (!seen || viewer.since < seen.since) current.set(key, viewer);
    }
    return current;
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => void this.#flush(), Math.max(0, this.#sentAt + PRESENCE_INTERVAL_MS - Date.now()));
  }

  async #flush(): Promise<void> {
    let current: Map<string, Viewer>;
    try {
      current = await this.#read();
    } catch {
      this.#timer = undefined;
      return;
    }
    this.#timer = undefined;
    if (this.#closed) return;
    this.#sentAt = Date.now();
    const joined = [...current].filter(([key, viewer]) => this.#published.get(key)?.since !== viewer.since).map(([, viewer]) => viewer);
    const left = [...this.#published].filter(([key]) => !current.has(key)).map(([, viewer]) => ({ clientId: viewer.clientId, userId: viewer.userId }));
    this.#published.clear();
    for (const [key, viewer] of current) this.#published.set(key, viewer);
    if (joined.length > 0 || left.length > 0) this.#emit({ type: 'presence.changed', session: this.#session, joined, left });
  }
}
