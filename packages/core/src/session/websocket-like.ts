/**
 * The part of the WebSocket API the client uses. The browser's `WebSocket` and the `ws` package's
 * `WebSocket` both fit, so core never imports a transport.
 */
/** An event handler property; declared as a method type so both DOM and `ws` handler types fit. */
type Handler<E> = { bivariant(event: E): void }['bivariant'];

export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}

/** A WebSocket constructor, such as `globalThis.WebSocket` or `ws`'s default export. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** `readyState` of an open socket (the same in every implementation). */
export const WEBSOCKET_OPEN = 1;
