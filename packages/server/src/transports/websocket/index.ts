export { createWebSocketHooks } from './websocket-hooks.js';
export type { RateLimitOptions, WebSocketHooks, WebSocketHooksOptions } from './websocket-hooks.js';
export type { WebSocketPeer } from './websocket-peer.js';
