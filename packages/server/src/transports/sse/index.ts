export { createSseTransport, tokenOf } from './sse-transport.js';
export type { SseTransport, SseTransportOptions } from './sse-transport.js';
