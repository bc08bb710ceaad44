// The zod-free protocol modules, not its index: a chunk loaded later shares no schemas with the page's.
import { createId } from '../protocol/_ids.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import type { ClientFrameOf } from '../protocol/index.js';
import { WEBSOCKET_OPEN, type WebSocketConstructor, type WebSocketLike } from './websocket-like.js';

/**
 * One WebSocket per browser, shared by every tab of the origin. The tabs of one endpoint (and
 * partition) elect a leader with the Web Locks API: the tab holding the lock opens the real
 * socket and relays for the others over a `BroadcastChannel`. Each client, in every tab, talks
 * to the relay through a {@link TabSocket}, which has the shape of a WebSocket, so the client's
 * resume-from-offset logic does the hand-over: when the leader tab goes, the next tab in the
 * lock's queue takes over and every client re-subscribes from the offset it holds, through the
 * new leader, with nothing lost (the server replays after that offset) and nothing applied twice
 * (the client drops offsets it has).
 *
 * The browser is one device, whatever the number of its tabs: the server sees one connection,
 * one entry in presence and one device's telemetry. The tabs' `attention` is merged in the relay
 * (the device is focused when any tab is, visible when any is, named after the tab in front), so
 * a review goes to this browser when the person is in any of its tabs; their `telemetry` reports
 * are merged into one report per interval (samples joined, counts added), so none is dropped by
 * the server's limit of one report per device.
 */

/** Close code of a tab socket whose leader tab went away; the client reconnects through the next one. */
export const LEADER_CHANGED_CLOSE = 1012;
/** Close code the client uses when it finds its socket dead (missed heartbeat, device offline). */
const DEAD_SOCKET_CLOSE = 4002;
/** A follower's request to attach, repeated while no leader answers (one may be taking over). */
const OPEN_RETRY_MS = 250;
/**
 * A remote peer silent this long is taken as gone (its tab crashed: a tab that closes says so).
 * Clients ping every half heartbeat, but a hidden tab's timers may run once a minute.
 */
const PEER_SILENCE_MS = 5 * 60_000;
/** A socket that delivered a frame this recently is alive, whatever one client concluded. */
const SILENT_SOCKET_MS = 5_000;
/** Least time between two merged telemetry reports: the client's own pace (the server drops any sooner than 5 s). */
const TELEMETRY_INTERVAL_MS = 10_000;
/** Samples per list of a telemetry report (the protocol's maximum). */
const MAX_SAMPLES = 32;

type Attention = ClientFrameOf<'attention'>;
type Telemetry = ClientFrameOf<'telemetry'>;
const SAMPLE_LISTS = ['timeToFirstTokenMs', 'longestGapMs', 'resumeMs', 'cancelToQuietMs'] as const;

/** The attention of a browser from its tabs': in front is a focused tab, else a visible one, else any. */
export function mergeAttention(tabs: Iterable<Attention>): Attention | undefined {
  let front: Attention | undefined;
  let focused = false;
  let visible = false;
  for (const tab of tabs) {
    focused ||= tab.focused;
    visible ||= tab.visible;
    if (!front || (tab.focused && !front.focused) || (tab.visible && !front.focused && !front.visible)) front = tab;
  }
  return front && { type: 'attention', device: front.device, focused, visible };
}

/** Two telemetry reports of one browser as one: samples joined (the newest kept), counts added. */
export function mergeTelemetry(into: Telemetry | undefined, report: Telemetry): Telemetry {
  if (!into) return report;
  const merged: Telemetry = {
    type: 'telemetry',
    device: report.device,
    reconnects: into.reconnects + report.reconnects,
    digestMismatches: into.digestMismatches + report.digestMismatches,
  };
  for (const list of SAMPLE_LISTS) {
    const samples = [...(into[list] ?? []), ...(report[list] ?? [])];
    if (samples.length > 0) merged[list] = samples.slice(-MAX_SAMPLES);
  }
  return merged;
}

interface LocksLike {
  request(name: string, callback: () => Promise<void>): Promise<void>;
}

type ChannelMessage =
  | { k: 'leader'; tab: string }
  | { k: 'open'; id: string }
  | { k: 'opened'; id: string; tab: string }
  | { k: 'frame'; to: string[]; data: string }
  | { k: 'send'; id: string; data: string }
  | { k: 'close'; id: string; code: number; reason: string };

function locks(): LocksLike | undefined {
  const found = (globalThis as { navigator?: { locks?: LocksLike } }).navigator?.locks;
  return typeof found?.request === 'function' ? found : undefined;
}

/** True where tabs can share a socket: the Web Locks API and `BroadcastChannel` are both there. */
export function tabSharingSupported(): boolean {
  return locks() !== undefined && typeof (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel === 'function';
}

/** One client's end of the shared connection, in the leader tab or a follower. */
interface Peer {
  readonly id: string;
  lastSeen: number;
  opened(): void;
  deliver(data: string): void;
  close(code: number, reason: string): void;
}

interface SharedSession {
  readonly subscribers: Set<Peer>;
  /** Subscribes waiting their turn: the server replaces a subscription still being set up, so one at a time. */
  readonly queue: { peer: Peer; data: string }[];
  /** The peer whose `subscribe` the server is answering (a detached one is kept until the answer). */
  inFlight: Peer | undefined;
  /** The peer that just got `subscribed`: the snapshot that may follow is its, not the others'. */
  snapshotTo: Peer | undefined;
}

/** The relay in the leader tab: one real socket, the frames of each session fanned out to its subscribers. */
class Relay {
  readonly #url: string;
  readonly #WebSocket: WebSocketConstructor;
  readonly #peers = new Set<Peer>();
  readonly #sessions = new Map<string, SharedSession>();
  /** Who sent each write, so its `ack` or `error` goes back to that client alone. */
  readonly #writers = new Map<string, Peer>();
  readonly #awaitingWelcome = new Set<Peer>();
  readonly #clientId = createId('tab');
  #socket: WebSocketLike | undefined;
  #open = false;
  #welcome: string | undefined;
  #lastFrameAt = 0;
  readonly #sweep: ReturnType<typeof setInterval>;
  /** Each client's last `attention`; the server hears their merge (see {@link mergeAttention}). */
  readonly #attention = new Map<Peer, Attention>();
  /** The merged attention the server has, as JSON; undefined after a handshake (the server forgot it). */
  #sentAttention: string | undefined;
  /** Telemetry of the clients not sent yet, merged; when the last report went, and the timer of the next. */
  #telemetry: Telemetry | undefined;
  #telemetrySentAt = 0;
  #telemetryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(url: string, WebSocketImpl: WebSocketConstructor) {
    this.#url = url;
    this.#WebSocket = WebSocketImpl;
    this.#sweep = setInterval(() => this.#dropSilentPeers(), 30_000);
  }

  attach(peer: Peer): void {
    this.#peers.add(peer);
    peer.lastSeen = Date.now();
    if (this.#open) peer.opened();
    else if (!this.#socket) this.#openSocket();
  }

  detach(peer: Peer, code?: number): void {
    if (!this.#peers.delete(peer)) return;
    this.#awaitingWelcome.delete(peer);
    // A closed tab no longer holds the device's focus.
    if (this.#attention.delete(peer)) this.#sendAttention();
    for (const [session, shared] of [...this.#sessions]) {
      shared.subscribers.delete(peer);
      shared.queue.splice(0, shared.queue.length, ...shared.queue.filter((item) => item.peer !== peer));
      if (shared.snapshotTo === peer) shared.snapshotTo = undefined;
      this.#releaseIfUnused(session, shared);
    }
    // A client that found the socket dead (no pong, device offline) found it dead for everyone,
    // unless frames still arrive (that client's own timers ran late: a hidden tab's may).
    const silent = Date.now() - this.#lastFrameAt > SILENT_SOCKET_MS;
    if ((code === DEAD_SOCKET_CLOSE && silent) || this.#peers.size === 0) this.#closeSocket(code ?? 1000, 'no client left');
  }

  receive(peer: Peer, data: string): void {
    peer.lastSeen = Date.now();
    let frame: { type?: string; session?: string; clientMsgId?: string };
    try {
      frame = JSON.parse(data) as typeof frame;
    } catch {
      return;
    }
    switch (frame.type) {
      case 'hello':
        if (this.#welcome !== undefined) peer.deliver(this.#welcome);
        else this.#awaitingWelcome.add(peer);
        return;
      case 'subscribe': {
        const shared = this.#shared(frame.session!);
        shared.queue.push({ peer, data });
        this.#pump(shared);
        return;
      }
      case 'unsubscribe': {
        const shared = this.#sessions.get(frame.session!);
        if (!shared) return;
        shared.subscribers.delete(peer);
        this.#releaseIfUnused(frame.session!, shared);
        return;
      }
      case 'publish':
      case 'cancel':
      case 'steer':
        if (frame.clientMsgId !== undefined) this.#writers.set(frame.clientMsgId, peer);
        this.#send(data);
        return;
      case 'attention':
        this.#attention.set(peer, frame as unknown as Attention);
        this.#sendAttention();
        return;
      case 'telemetry':
        this.#telemetry = mergeTelemetry(this.#telemetry, frame as unknown as Telemetry);
        this.#sendTelemetrySoon();
        return;
      default:
        // `ping` and `refresh` go through as they are; the pong reaches every client.
        this.#send(data);
    }
  }

  #shared(session: string): SharedSession {
    let shared = this.#sessions.get(session);
    if (!shared) {
      shared = { subscribers: new Set(), queue: [], inFlight: undefined, snapshotTo: undefined };
      this.#sessions.set(session, shared);
    }
    return shared;
  }

  /** Tells the server the browser's attention when the merge of its tabs' changed. */
  #sendAttention(): void {
    const merged = mergeAttention(this.#attention.values());
    if (!merged || !this.#welcome) return;
    const data = JSON.stringify(merged);
    if (data === this.#sentAttention) return;
    this.#sentAttention = data;
    this.#send(data);
  }

  /** Sends the merged telemetry once the interval since the last report is over. */
  #sendTelemetrySoon(): void {
    if (this.#telemetryTimer !== undefined || !this.#telemetry) return;
    this.#telemetryTimer = setTimeout(() => {
      this.#telemetryTimer = undefined;
      // Without a socket the samples wait for the next one.
      if (!this.#telemetry || !this.#welcome) return;
      this.#send(JSON.stringify(this.#telemetry));
      this.#telemetry = undefined;
      this.#telemetrySentAt = Date.now();
    }, Math.max(0, this.#telemetrySentAt + TELEMETRY_INTERVAL_MS - Date.now()));
  }

  #pump(shared: SharedSession): void {
    if (shared.inFlight || !this.#open) return;
    const next = shared.queue.shift();
    if (!next) return;
    shared.inFlight = next.peer;
    this.#send(next.data);
  }

  #releaseIfUnused(session: string, shared: SharedSession): void {
    if (shared.subscribers.size > 0 || shared.queue.length > 0 || shared.inFlight) return;
    this.#sessions.delete(session);
    this.#send(JSON.stringify({ type: 'unsubscribe', session }));
  }

  #send(data: string): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WEBSOCKET_OPEN) return;
    try {
      socket.send(data);
    } catch {
      // A socket that fails to send is closing; its close event tells every client.
    }
  }

  #openSocket(): void {
    let socket: WebSocketLike;
    try {
      socket = new this.#WebSocket(this.#url);
    } catch {
      for (const peer of [...this.#peers]) this.#closePeer(peer, 1006, 'could not open the socket');
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      this.#open = true;
      socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, clientId: this.#clientId }));
      for (const peer of [...this.#peers]) peer.opened();
    };
    socket.onmessage = (event) => {
      this.#lastFrameAt = Date.now();
      if (typeof event.data === 'string') this.#route(event.data);
    };
    socket.onclose = (event) => {
      this.#socket = undefined;
      this.#reset();
      for (const peer of [...this.#peers]) this.#closePeer(peer, event.code, event.reason);
    };
    socket.onerror = () => undefined;
  }

  #closeSocket(code: number, reason: string): void {
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = undefined;
    socket.onopen = socket.onmessage = socket.onclose = null;
    socket.onerror = () => undefined;
    try {
      socket.close(code === DEAD_SOCKET_CLOSE ? DEAD_SOCKET_CLOSE : 1000, reason);
    } catch {
      // Closing a socket that never opened can throw; it is gone either way.
    }
    this.#reset();
    for (const peer of [...this.#peers]) this.#closePeer(peer, code === DEAD_SOCKET_CLOSE ? DEAD_SOCKET_CLOSE : LEADER_CHANGED_CLOSE, reason);
  }

  #reset(): void {
    this.#open = false;
    this.#welcome = undefined;
    // Every client is closed and says its attention again after the next handshake.
    this.#attention.clear();
    this.#sentAttention = undefined;
    clearTimeout(this.#telemetryTimer);
    this.#telemetryTimer = undefined;
    this.#sessions.clear();
    this.#writers.clear();
    this.#awaitingWelcome.clear();
  }

  #closePeer(peer: Peer, code: number, reason: string): void {
    this.#peers.delete(peer);
    this.#awaitingWelcome.delete(peer);
    peer.close(code, reason);
  }

  #dropSilentPeers(): void {
    const limit = Date.now() - PEER_SILENCE_MS;
    for (const peer of [...this.#peers]) {
      if (peer.lastSeen >= limit) continue;
      this.detach(peer);
      peer.close(1001, 'no frame from this client for five minutes');
    }
  }

  #route(data: string): void {
    let frame: { type?: string; session?: string; clientMsgId?: string };
    try {
      frame = JSON.parse(data) as typeof frame;
    } catch {
      return;
    }
    const shared = frame.session !== undefined ? this.#sessions.get(frame.session) : undefined;
    switch (frame.type) {
      case 'welcome':
        this.#welcome = data;
        for (const peer of this.#awaitingWelcome) peer.deliver(data);
        this.#awaitingWelcome.clear();
        this.#sendTelemetrySoon();
        for (const each of this.#sessions.values()) this.#pump(each);
        return;
      case 'subscribed': {
        if (!shared) return;
        const peer = shared.inFlight;
        shared.inFlight = undefined;
        if (peer && this.#peers.has(peer)) {
          shared.subscribers.add(peer);
          shared.snapshotTo = peer;
          peer.deliver(data);
        }
        this.#pump(shared);
        this.#releaseIfUnused(frame.session!, shared);
        return;
      }
      case 'snapshot': {
        if (!shared) return;
        const target = shared.snapshotTo;
        shared.snapshotTo = undefined;
        if (target) target.deliver(data);
        else this.#fanOut(shared.subscribers, data);
        return;
      }
      case 'ack':
      case 'error': {
        if (frame.clientMsgId !== undefined && this.#writers.has(frame.clientMsgId)) {
          const writer = this.#writers.get(frame.clientMsgId)!;
          this.#writers.delete(frame.clientMsgId);
          if (this.#peers.has(writer)) return writer.deliver(data);
          // The writer's tab went: any other client of the session may hold the message in its outbox.
          if (frame.type === 'ack' && shared) this.#fanOut(shared.subscribers, data);
          return;
        }
        if (frame.type === 'ack') {
          if (shared) this.#fanOut(shared.subscribers, data);
          return;
        }
        if (shared?.inFlight) {
          // The answer to the subscribe under way: refused.
          const peer = shared.inFlight;
          shared.inFlight = undefined;
          if (this.#peers.has(peer)) peer.deliver(data);
          this.#pump(shared);
          this.#releaseIfUnused(frame.session!, shared);
          return;
        }
        if (shared) this.#fanOut(shared.subscribers, data);
        else if (frame.session === undefined) this.#fanOut(this.#peers, data);
        return;
      }
      case 'events':
        if (shared) shared.snapshotTo = undefined;
        if (shared) this.#fanOut(shared.subscribers, data);
        return;
      case 'pong':
        this.#fanOut(this.#peers, data);
        return;
      default:
        if (shared) this.#fanOut(shared.subscribers, data);
    }
  }

  #fanOut(peers: Iterable<Peer>, data: string): void {
    const remote: string[] = [];
    for (const peer of peers) {
      if (peer instanceof RemotePeer) remote.push(peer.id);
      else peer.deliver(data);
    }
    if (remote.length > 0) RemotePeer.post(remote, data, this);
  }

  /** The channel the remote peers of this relay are reached through; set by the link. */
  channel: BroadcastChannel | undefined;
  tab = '';
}

/** A client in a follower tab, as the relay sees it. */
class RemotePeer implements Peer {
  lastSeen = Date.now();
  constructor(
    readonly id: string,
    readonly relay: Relay,
    readonly forget: () => void,
  ) {}

  static post(to: string[], data: string, relay: Relay): void {
    relay.channel?.postMessage({ k: 'frame', to, data } satisfies ChannelMessage);
  }

  opened(): void {
    this.relay.channel?.postMessage({ k: 'opened', id: this.id, tab: this.relay.tab } satisfies ChannelMessage);
  }

  deliver(data: string): void {
    RemotePeer.post([this.id], data, this.relay);
  }

  close(code: number, reason: string): void {
    this.forget();
    this.relay.channel?.postMessage({ k: 'close', id: this.id, code, reason } satisfies ChannelMessage);
  }
}

/** This tab's membership in the group of tabs sharing one endpoint: its place in the lock queue, its relay when it leads. */
class TabLink {
  readonly tab = createId('tab');
  readonly channel: BroadcastChannel;
  readonly sockets = new Map<string, TabSocket>();
  readonly #remotePeers = new Map<string, RemotePeer>();
  readonly #url: string;
  readonly #WebSocket: WebSocketConstructor;
  relay: Relay | undefined;
  /** The tab that leads, as last announced (this tab once it holds the lock). */
  leader: string | undefined;

  constructor(name: string, url: string, WebSocketImpl: WebSocketConstructor) {
    this.#url = url;
    this.#WebSocket = WebSocketImpl;
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event: MessageEvent<ChannelMessage>) => this.#onMessage(event.data);
    // Where a channel keeps the process alive (Node), it should not.
    (this.channel as { unref?: () => void }).unref?.();
    // The lock is held for the page's lifetime; when the page goes (closed, crashed, navigated),
    // the browser grants it to the next tab in the queue.
    void locks()!
      .request(name, () => {
        this.#lead();
        return new Promise<void>(() => undefined);
      })
      .catch(() => undefined);
    const events = globalThis as { addEventListener?: (type: string, listener: () => void) => void };
    // A page going away (or into the back-forward cache) lets the relay forget its clients now;
    // they are told, so one that comes back from the cache reconnects. The lock, and with it the
    // lead, passes on when the page is gone.
    events.addEventListener?.('pagehide', () => {
      for (const socket of [...this.sockets.values()]) socket.drop(1001, 'the page was hidden');
    });
  }

  #lead(): void {
    const relay = new Relay(this.#url, this.#WebSocket);
    relay.channel = this.channel;
    relay.tab = this.tab;
    this.relay = relay;
    this.leader = this.tab;
    this.channel.postMessage({ k: 'leader', tab: this.tab } satisfies ChannelMessage);
    for (const socket of [...this.sockets.values()]) socket.leaderChanged(this.tab);
  }

  #onMessage(message: ChannelMessage): void {
    switch (message.k) {
      case 'leader':
        this.leader = message.tab;
        for (const socket of [...this.sockets.values()]) socket.leaderChanged(message.tab);
        return;
      case 'open': {
        if (!this.relay || this.#remotePeers.has(message.id)) return;
        const peer = new RemotePeer(message.id, this.relay, () => this.#remotePeers.delete(message.id));
        this.#remotePeers.set(message.id, peer);
        this.relay.attach(peer);
        return;
      }
      case 'send': {
        if (!this.relay) return;
        const peer = this.#remotePeers.get(message.id);
        // A socket this relay does not know (it attached to a leader that went) must start over.
        if (peer) this.relay.receive(peer, message.data);
        else this.channel.postMessage({ k: 'close', id: message.id, code: LEADER_CHANGED_CLOSE, reason: 'not attached' } satisfies ChannelMessage);
        return;
      }
      case 'close': {
        const peer = this.#remotePeers.get(message.id);
        if (peer) {
          this.#remotePeers.delete(message.id);
          this.relay?.detach(peer, message.code);
          return;
        }
        this.sockets.get(message.id)?.closedBy(message.code, message.reason);
        return;
      }
      case 'opened':
        this.sockets.get(message.id)?.openedBy(message.tab);
        return;
      case 'frame':
        for (const id of message.to) this.sockets.get(id)?.deliver(message.data);
        return;
    }
  }
}

const links = new Map<string, TabLink>();

/**
 * The WebSocket-shaped end of the shared connection one client uses. It opens when the leader's
 * real socket is open, carries the client's frames to the relay (in this tab or the leader's)
 * and closes when the real socket closes or the leader tab goes, so the client reconnects and
 * resumes as after any disconnect.
 */
export class TabSocket implements WebSocketLike {
  readyState = 0;
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  readonly #id = createId('sock');
  readonly #link: TabLink;
  /** The tab whose relay this socket is attached to; undefined while it waits for one. */
  #attachedTo: string | undefined;
  #retry: ReturnType<typeof setInterval> | undefined;
  readonly #local: Peer;

  constructor(link: TabLink) {
    this.#link = link;
    link.sockets.set(this.#id, this);
    const self = this;
    this.#local = {
      id: this.#id,
      lastSeen: Date.now(),
      opened: () => queueMicrotask(() => self.openedBy(link.tab)),
      deliver: (data) => queueMicrotask(() => self.deliver(data)),
      close: (code, reason) => queueMicrotask(() => self.closedBy(code, reason)),
    };
    // Handlers are set right after construction: attach once they are.
    queueMicrotask(() => this.#attach());
  }

  send(data: string): void {
    if (this.readyState !== WEBSOCKET_OPEN) throw new Error('the tab socket is not open');
    if (this.#attachedTo === this.#link.tab && this.#link.relay) this.#link.relay.receive(this.#local, data);
    else this.#link.channel.postMessage({ k: 'send', id: this.#id, data } satisfies ChannelMessage);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    const attachedTo = this.#attachedTo;
    this.#finish();
    if (attachedTo === this.#link.tab) this.#link.relay?.detach(this.#local, code);
    else this.#link.channel.postMessage({ k: 'close', id: this.#id, code, reason } satisfies ChannelMessage);
  }

  /** Closes this socket for its client and for the relay. */
  drop(code: number, reason: string): void {
    const onclose = this.onclose;
    this.close(code, reason);
    onclose?.({ code, reason });
  }

  /** The leader changed: attach to the new one (a socket on the old one is closed, so its client resumes). */
  leaderChanged(tab: string): void {
    if (this.readyState === 0) {
      this.#attach();
      return;
    }
    if (this.readyState === WEBSOCKET_OPEN && this.#attachedTo !== tab) this.closedBy(LEADER_CHANGED_CLOSE, 'the leader tab changed');
  }

  openedBy(tab: string): void {
    if (this.readyState !== 0) return;
    this.#stopRetry();
    this.#attachedTo = tab;
    this.readyState = WEBSOCKET_OPEN;
    this.onopen?.({});
  }

  deliver(data: string): void {
    if (this.readyState === WEBSOCKET_OPEN) this.onmessage?.({ data });
  }

  closedBy(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.#finish();
    this.onclose?.({ code, reason });
  }

  #attach(): void {
    if (this.readyState !== 0) return;
    const relay = this.#link.relay;
    if (relay) {
      this.#stopRetry();
      relay.attach(this.#local);
      return;
    }
    this.#link.channel.postMessage({ k: 'open', id: this.#id } satisfies ChannelMessage);
    // Nobody may lead yet (the leader is starting or just went): ask again until one answers.
    this.#retry ??= setInterval(() => {
      if (this.readyState === 0 && !this.#link.relay) this.#link.channel.postMessage({ k: 'open', id: this.#id } satisfies ChannelMessage);
    }, OPEN_RETRY_MS);
  }

  #stopRetry(): void {
    if (this.#retry !== undefined) clearInterval(this.#retry);
    this.#retry = undefined;
  }

  #finish(): void {
    this.#stopRetry();
    this.readyState = 3;
    this.#link.sockets.delete(this.#id);
  }
}

/**
 * A WebSocket constructor whose sockets share one real connection among the tabs of this origin
 * that use the same `scope` (endpoint and partition); undefined where tabs cannot share.
 */
export function sharedSocketConstructor(scope: string, url: string, WebSocketImpl: WebSocketConstructor): WebSocketConstructor | undefined {
  if (!tabSharingSupported()) return undefined;
  const name = `marketing-team\n${scope}`;
  let link = links.get(name);
  if (!link) {
    link = new TabLink(name, url, WebSocketImpl);
    links.set(name, link);
  }
  const found = link;
  return class SharedTabSocket extends TabSocket {
    constructor() {
      super(found);
    }
  } as unknown as WebSocketConstructor;
}

