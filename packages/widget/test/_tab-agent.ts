// Loaded by each stand-in tab (a same-origin iframe) of the tab-sharing tests: one
// SessionClient of the page under test, with hooks the test reads. A removed iframe is a closed
// tab: its document goes, with its Web Locks and its BroadcastChannel.
import { SessionClient, type SessionHandle, type SessionState } from '@marketing-team/core';

export interface TabOptions {
  url: string;
  session: string;
  token: string;
  shareConnection?: boolean;
  cache?: boolean;
  /** `offline`: every socket fails to open, as with the network gone. */
  offline?: boolean;
}

/** What one tab saw, in order: `render` when a state was shown, `open` when a socket of this tab opened. */
export type TabMark = { kind: 'start'; at: number } | { kind: 'render'; offset: number; at: number; wall: number } | { kind: 'open'; at: number } | { kind: 'subscribe'; from: number | undefined; at: number };

export interface Tab {
  client: SessionClient;
  handle: SessionHandle;
  marks: TabMark[];
  /** Offsets of the states shown, in order (never going back). */
  offsets: number[];
  /** Types of the frames this tab's own sockets sent (in the leader tab: every tab's, relayed). */
  sent: string[];
  state(): SessionState;
  setOffline(offline: boolean): void;
}

declare global {
  interface Window {
    startTab(options: TabOptions): Tab;
    tab?: Tab;
  }
}

window.startTab = (options) => {
  const marks: TabMark[] = [];
  const offsets: number[] = [];
  const sent: string[] = [];
  let offline = options.offline ?? false;
  // The browser's WebSocket, watched: when a socket of this tab opens, and what it subscribes from.
  class WatchedWebSocket extends WebSocket {
    constructor(url: string) {
      super(offline ? 'ws://127.0.0.1:9/unreachable' : url);
      this.addEventListener('open', () => marks.push({ kind: 'open', at: performance.now() }));
    }
    override send(data: string): void {
      const frame = JSON.parse(data) as { type: string; from?: number };
      sent.push(frame.type);
      if (frame.type === 'subscribe') marks.push({ kind: 'subscribe', from: frame.from, at: performance.now() });
      super.send(data);
    }
  }
  marks.push({ kind: 'start', at: performance.now() });
  const client = new SessionClient({
    url: options.url,
    transport: 'websocket',
    WebSocket: WatchedWebSocket,
    backoff: { initialMs: 50, maxMs: 200 },
    ...(options.shareConnection ? { shareConnection: true } : {}),
    ...(options.cache ? { cache: true } : {}),
  });
  const handle = client.session(options.session, { token: options.token });
  handle.subscribe(() => {
    const offset = handle.getState().offset;
    if (offset === (offsets[offsets.length - 1] ?? 0)) return;
    offsets.push(offset);
    marks.push({ kind: 'render', offset, at: performance.now(), wall: Date.now() });
  });
  const tab: Tab = {
    client,
    handle,
    marks,
    offsets,
    sent,
    state: () => handle.getState(),
    setOffline(value) {
      offline = value;
      window.dispatchEvent(new Event(value ? 'offline' : 'online'));
    },
  };
  window.tab = tab;
  return tab;
};
