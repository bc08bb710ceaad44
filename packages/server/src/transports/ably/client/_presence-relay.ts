import { DeviceNameSchema, type ClientFrameOf, type ServerFrame } from '@marketing-team/core';
import type { AblyPresenceMessage, AblyRealtimeChannel } from '../ably-client-types.js';

interface Viewer {
  clientId: string;
  userId: string;
  since: number;
  device?: string;
  focused?: boolean;
  visible?: boolean;
  activeAt?: number;
}

/** A device's attention as it rides in its presence data (protocol section 3.12). */
type Attention = Omit<ClientFrameOf<'attention'>, 'type'>;

/** Least time between two `presence.changed` frames, as the server's default. */
const PRESENCE_INTERVAL_MS = 500;

/**
 * The viewer a presence member stands for: its token's user, the device id it entered with and,
 * once it said, its attention. `at` is Ably's time of the member's last change.
 */
function viewerOf(member: AblyPresenceMessage): { viewer: Viewer; attention: Attention | undefined; at: number } | undefined {
  const data = member.data as { clientId?: unknown; device?: unknown; focused?: unknown; visible?: unknown } | null | undefined;
  const device = data?.clientId;
  if (typeof device !== 'string' || typeof member.clientId !== 'string') return undefined;
  const at = member.timestamp ?? 0;
  const name = DeviceNameSchema.safeParse(data?.device);
  const attention = name.success && typeof data?.focused === 'boolean' && typeof data.visible === 'boolean' ? { device: name.data, focused: data.focused, visible: data.visible } : undefined;
  return { viewer: { clientId: device, userId: member.clientId, since: at }, attention, at };
}

/** Whether two entries of one viewer say the same (a changed one is sent again as joined). */
function sameViewer(a: Viewer, b: Viewer): boolean {
  return a.since === b.since && a.device === b.device && a.focused === b.focused && a.visible === b.visible && a.activeAt === b.activeAt;
}

/**
 * Who watches a session over Ably, as the protocol's presence frames: the device enters the log
 * channel's presence set (which needs the token's `presence` capability; without it the device
 * is told nothing, as on the WebSocket), then gets the viewer list once and `presence.changed`
 * frames coalesced to one per half second, like the server's. The device's attention (focus,
 * visibility) rides in its presence data, updated when it changes, so every device computes the
 * same device in use; `activeAt` is Ably's time of the update that made a device focused (or
 * first visible), as this device saw it.
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
  #attention: Attention | undefined;
  readonly #onChange = (): void => this.#schedule();

  constructor(channel: AblyRealtimeChannel, session: string, device: string, emit: (frame: ServerFrame) => void, attention?: Attention) {
    this.#channel = channel;
    this.#session = session;
    this.#device = device;
    this.#emit = emit;
    this.#attention = attention;
  }

  /** The page's attention changed: the others hear of it through this device's presence data. */
  attend(attention: Attention): void {
    this.#attention = attention;
    if (!this.#entered || this.#closed) return;
    this.#channel.presence?.update(this.#data()).catch(() => undefined);
  }

  #data(): Record<string, unknown> {
    return { clientId: this.#device, ...this.#attention };
  }

  async start(): Promise<void> {
    const presence = this.#channel.presence;
    if (!presence) return;
    try {
      await presence.enter(this.#data());
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
      const read = viewerOf(member);
      if (!read) continue;
      const { attention, at } = read;
      const key = `${read.viewer.userId}\n${read.viewer.clientId}`;
      const before = this.#published.get(key);
      // Ably's timestamp moves with each update: the viewer's `since` is when it was first seen.
      const viewer: Viewer = { ...read.viewer, since: before?.since ?? read.viewer.since };
      if (attention) {
        const becameActive = attention.focused ? !before?.focused : attention.visible && before?.activeAt === undefined;
        Object.assign(viewer, attention, { activeAt: becameActive || before?.activeAt === undefined ? at : before.activeAt });
      }
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
    const joined = [...current].filter(([key, viewer]) => {
      const before = this.#published.get(key);
      return !before || !sameViewer(before, viewer);
    }).map(([, viewer]) => viewer);
    const left = [...this.#published].filter(([key]) => !current.has(key)).map(([, viewer]) => ({ clientId: viewer.clientId, userId: viewer.userId }));
    this.#published.clear();
    for (const [key, viewer] of current) this.#published.set(key, viewer);
    if (joined.length > 0 || left.length > 0) this.#emit({ type: 'presence.changed', session: this.#session, joined, left });
  }
}
