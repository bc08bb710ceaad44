import type { Context, MiddlewareHandler } from 'hono';
import type { UpgradeWebSocket, WSContext, WSMessageReceive } from 'hono/ws';
import type { WebSocketPeer } from '../../transports/websocket/websocket-peer.js';
import type { MarketingTeamServer } from '../create-server.js';

/** What a runtime's socket (`ws` on Node, Bun's, Deno's) may offer beyond Hono's `WSContext`. */
interface RawSocket {
  bufferedAmount?: number;
  terminate?(): void;
  ping?(): void;
  on?(event: 'pong', listener: () => void): void;
}

/**
 * `@marketing-team/server/hono`: the route handler, `app.all('/mt/*', honoHandler(server))`.
 * The fetch core works unchanged on `c.req.raw`, on every runtime Hono runs on.
 */
export function honoHandler(server: Pick<MarketingTeamServer, 'fetch'>): (c: Context) => Promise<Response> {
  return (c) => server.fetch(c.req.raw);
}

/**
 * The WebSocket route, bound with the runtime's `upgradeWebSocket` (`@hono/node-ws` on Node,
 * `hono/bun`, `hono/deno`): `app.get('/mt/ws', honoWebSocket(server, upgradeWebSocket))`.
 * The Origin and path are checked before the upgrade.
 */
export function honoWebSocket(server: MarketingTeamServer, upgradeWebSocket: UpgradeWebSocket<unknown>): MiddlewareHandler {
  const hooks = server.websocket;
  return async (c) => {
    const refusal = hooks.upgrade(c.req.raw);
    if (refusal) return refusal;
    let socket: WSContext<unknown> | undefined;
    const raw = (): RawSocket | undefined => socket?.raw as RawSocket | undefined;
    const peer: WebSocketPeer = {
      send: (data) => socket?.send(data),
      close: (code, reason) => socket?.close(code, reason),
      terminate: () => (raw()?.terminate ? raw()!.terminate!() : socket?.close(1011, 'terminated')),
      ping: () => raw()?.ping?.(),
      get bufferedAmount() {
        return raw()?.bufferedAmount ?? 0;
      },
    };
    // Frames are handed on in arrival order even when a runtime delivers some as Blobs.
    let pending: Promise<void> = Promise.resolve();
    const deliver = (data: WSMessageReceive) => {
      pending = pending.then(async () => {
        if (typeof data === 'string') hooks.message(peer, data);
        else if (data instanceof Blob) hooks.message(peer, new Uint8Array(await data.arrayBuffer()));
        else hooks.message(peer, new Uint8Array(data as ArrayBuffer));
      });
    };
    return upgradeWebSocket(c, {
      onOpen: (_event, ws) => {
        socket = ws;
        raw()?.on?.('pong', () => hooks.pong(peer));
        hooks.open(peer, c.req.raw);
      },
      onMessage: (event) => deliver(event.data),
      onClose: (event) => void pending.then(() => hooks.close(peer, event.code, event.reason)),
    });
  };
}
