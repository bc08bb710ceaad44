export { createDurableStreamsHandler } from './durable-streams-handler.js';
export type { DurableStreamsRequest } from './durable-streams-request.js';
export type {
  DurableStreamsAccess,
  DurableStreamsHandler,
  DurableStreamsHandlerOptions,
  SessionTokenVerifier,
} from './durable-streams-handler.js';
export { formatStreamOffset, parseStreamOffset, isWellFormedStreamOffset, ZERO_STREAM_OFFSET } from './stream-offset.js';
export type {
  ProducerState,
  StoredStreamMessage,
  StreamChange,
  StreamCloser,
  StreamMetadata,
  StreamStore,
} from './stream-store.js';
export { MemoryStreamStore } from './memory-stream-store.js';
