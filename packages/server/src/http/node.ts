import { STATUS_CODES, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WebSocketPeer } from '../transports/websocket/websocket-peer.js';
import { rememberClientAddress } from './_client-address.js';
import type { MarketingTeamServer } from './create-server.js';

/** A Node request, possibly with a body a framework (Express, Fastify) already parsed. */
type NodeRequest = IncomingMessage & { body?: unknown };

/** Builds a Web `Request` from a Node request; aborts its signal when the client goes away. */
export function toWebRequest(req: NodeRequest, res?: ServerResponse): Request {
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
  const host = req.headers.host ?? 'localhost';
  const origin = `${secure ? 'https' : 'http'}://${host}`;
  const target = req.url ?? '/';
  // An origin-form target is a path: appended, never resolved, so `//other.example/x` stays a
  // path on this host instead of becoming another host (and `////%F3…` stays parseable).
  const url = target.startsWith('/') ? new URL(`${origin}${target}`) : new URL(target, origin);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const controller = new AbortController();
  res?.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const method = req.method ?? 'GET';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: controller.signal };
  if (method !== 'GET' && method !== 'HEAD') {
    if (req.body !== undefined) {
      // A framework already consumed the stream; reuse what it parsed.
      init.body =
        typeof req.body === 'string'
          ? req.body
          : req.body instanceof Uint8Array
            ? new Uint8Array(req.body)
            : JSON.stringify(req.body);
      headers.delete('content-length');
    } else {
      init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
      init.duplex = 'half';
    }
  }
  const request = new Request(url, init);
  rememberClientAddress(request, req.socket?.remoteAddress);
  return request;
}

/** Writes a Web `Response` to a Node response, streaming the body at the socket's pace. */
export async function writeWebResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  // A Web Response built without a status text has an empty one; send Node's standard phrase instead.
  res.writeHead(response.status, response.statusText || STATUS_CODES[response.status] || '', headers);
  if (!response.body) {
    res.end();
    return;
  }
  // Event streams must reach the client as written, not when a buffer fills.
  res.flushHeaders();
  const reader = response.body.getReader();
  const stop = () => void reader.cancel().catch(() => undefined);
  res.once('close', stop);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            res.off('drain', go);
            res.off('close', go);
            resolve();
          };
          res.once('drain', go);
          res.once('close', go);
        });
      }
      if (res.destroyed) break;
    }
  } catch {
    // The client went away or the body failed; either way the response is over.
  } finally {
    res.off('close', stop);
    if (!res.destroyed) res.end();
  }
}

/**
 * A request listener for `http.createServer` (or Express `app.use`) serving the server's routes;
 * any object with a Web-standard `fetch` works.
 */
export function createNodeListener(server: Pick<MarketingTeamServer, 'fetch'>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    let request: Request;
    try {
      request = toWebRequest(req, res);
    } catch {
      // A request Node accepted but a URL cannot hold (a malformed Host header, for one).
      const body = JSON.stringify({ type: 'error', code: 'bad_frame', message: 'url: not a valid request target or Host', field: 'url' });
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(body);
      return;
    }
    server
      .fetch(request)
      .then((response) => writeWebResponse(response, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
  };
}

/** The WebSocket side of a Node server, returned by {@link attachWebSocket}. */
export interface AttachedWebSocket {
  /** Closes every socket (4004) and stops handling upgrades. */
  close(): void;
}

function peerOf(socket: WebSocket): WebSocketPeer {
  return {
    send: (data) => socket.send(data),
    close: (code, reason) => socket.close(code, reason),
    terminate: () => socket.terminate(),
    ping: () => socket.ping(),
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
  };
}

/**
 * Handles WebSocket upgrades at `<base>/ws` on a Node HTTP server with the `ws` library. The
 * Origin is checked before the upgrade; frames above the limit close the socket with 1009.
 * Upgrades for other paths are left to other listeners.
 */
export function attachWebSocket(httpServer: HttpServer | HttpsServer, server: MarketingTeamServer): AttachedWebSocket {
  const hooks = server.websocket;
  const wss = new WebSocketServer({ noServer: true, maxPayload: hooks.maxFrameBytes, perMessageDeflate: false });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let request: Request;
    try {
      request = toWebRequest(req);
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (new URL(request.url).pathname !== hooks.path) {
      if (httpServer.listenerCount('upgrade') === 1) socket.destroy();
      return;
    }
    socket.on('error', () => undefined);
    const refusal = hooks.upgrade(request);
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal.status} ${refusal.statusText || STATUS_CODES[refusal.status] || 'Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const peer = peerOf(ws);
      hooks.open(peer, request);
      ws.on('message', (data, isBinary) => {
        if (isBinary) hooks.message(peer, new Uint8Array(data as Buffer));
        else hooks.message(peer, data.toString());
      });
      ws.on('pong', () => hooks.pong(peer));
      ws.on('close', (code, reason) => hooks.close(peer, code, reason.toString()));
      // `ws` reports oversize frames (1009) and protocol errors here, then closes the socket.
      ws.on('error', () => undefined);
    });
  };
  httpServer.on('upgrade', onUpgrade);
  return {
    close() {
      httpServer.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.close(4004, 'server restarting');
      wss.close();
    },
  };
}
