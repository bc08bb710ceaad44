import type { WebSocketLike } from './websocket-like.js';
import type { SseTransport } from './_sse-transport.js';

/** A `fetch` function, such as `globalThis.fetch`. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Options of {@link SseSocket}. */
export interface SseSocketOptions {
  /** `fetch` to use; defaults to `globalThis.fetch`. */
  fetch?: FetchLike;
  /**
   * The server's SSE heartbeat interval (it sends a comment line this often on every stream);
   * announced to the client in the synthesized `welcome`. Defaults to 15 000 ms, the server's default.
   */
  heartbeatMs?: number;
}

const CONNECTING = 0;
const CLOSED = 3;
/** The code a dropped WebSocket reports; the client reconnects after it. */
const ABNORMAL_CLOSE = 1006;

let loading: Promise<typeof SseTransport> | undefined;

function loadTransport(): Promise<typeof SseTransport> {
  loading ??= import('./_sse-transport.js').then((module) => module.SseTransport);
  // A failed load (a network blip fetching the chunk) may be retried by the next socket.
  loading.catch(() => (loading = undefined));
  return loading;
}

/**
 * The SSE + POST fallback (protocol section 4) behind the socket-shaped seam `SessionClient`
 * uses for a WebSocket: it takes the same client frames and produces the same server frames,
 * so resume, acks, statuses, heartbeats and token refresh work unchanged.
 *
 * - "open" means `GET <url>/health` answered, so a live status means the server was reached;
 * - `hello` is answered here with a `welcome`;
 * - `subscribe` opens one `GET …/sessions/:session/events` stream per session (token in the
 *   `Authorization` header, resume with `Last-Event-ID` and `?epoch=`); its records become
 *   `events` frames, its named events (`subscribed`, `snapshot`, `presence`, `error`) the frames
 *   they carry;
 * - `publish`, `cancel` and `steer` are POSTed to `…/messages`, one at a time per session so
 *   they keep the order they were sent in; the answer is the `ack` or `error` frame;
 * - `refresh` reopens the session's stream with the new token from the last delivered offset;
 * - `ping` is answered with a `pong` unless a stream has been silent for two heartbeats.
 *
 * A stream or a POST that fails on the network closes the whole socket (code 1006), as a dropped
 * WebSocket would: the client reconnects with backoff, resumes every session from its applied
 * offset and re-sends unacknowledged messages with their ids. Uses `fetch` streaming rather
 * than `EventSource`, which cannot send an `Authorization` header.
 *
 * The transport itself (and its SSE parser) is a module of its own, loaded when the first
 * `SseSocket` is made, so pages that stay on WebSocket never download it; until it is in, the
 * socket is `CONNECTING`. If it cannot be loaded, the socket closes with 1006, as a dropped one would.
 */

export class SseSocket implements WebSocketLike {
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  #transport: SseTransport | undefined;
  /** Closed before the transport was loaded. */
  #closed = false;

  /** Starts opening: `url` is the base of the HTTP routes (`https://host/mt`). */
  constructor(url: string, options: SseSocketOptions = {}) {
    const fetchImpl = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (!fetchImpl) throw new Error('no global fetch here; pass one');
    loadTransport().then(
      (Transport) => {
        if (this.#closed) return;
        const transport = new Transport(url, { ...options, fetch: fetchImpl });
        transport.onopen = (event) => this.onopen?.(event);
        transport.onmessage = (event) => this.onmessage?.(event);
        transport.onclose = (event) => this.onclose?.(event);
        transport.onerror = (event) => this.onerror?.(event);
        this.#transport = transport;
      },
      (error: unknown) => {
        if (this.#closed) return;
        this.#closed = true;
        this.onerror?.(error);
        this.onclose?.({ code: ABNORMAL_CLOSE, reason: `could not load the SSE transport: ${String(error)}` });
      },
    );
  }

  /** `CONNECTING`, `OPEN` or `CLOSED`, as a WebSocket's. */
  get readyState(): number {
    return this.#transport?.readyState ?? (this.#closed ? CLOSED : CONNECTING);
  }

  /** Takes one client frame as JSON text, as `WebSocket.send` does. */
  send(data: string): void {
    if (!this.#transport) throw new Error('the SSE connection is not open');
    this.#transport.send(data);
  }

  /** Ends every stream and request; never cancels anything on the server. */
  close(code = 1000, reason = ''): void {
    if (this.#transport) return this.#transport.close(code, reason);
    if (this.#closed) return;
    this.#closed = true;
    setTimeout(() => this.onclose?.({ code, reason }), 0);
  }
}
