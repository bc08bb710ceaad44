export { createWebSocketHooks } from './websocket/index.js';
export type { RateLimitOptions, WebSocketHooks, WebSocketHooksOptions, WebSocketPeer } from './websocket/index.js';
export { createSseTransport, tokenOf } from './sse/index.js';
export type { SseTransport, SseTransportOptions } from './sse/index.js';
export type { TelemetrySink } from './telemetry-sink.js';
export { isOriginAllowed } from './origin-policy.js';
export type { OriginPolicy } from './origin-policy.js';
// The Ably transport keeps its own explicit list in its folder index.
