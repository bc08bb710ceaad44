// `@marketing-team/server/durable-streams`: session logs (and generic streams) over the open Durable
// Streams HTTP protocol. Streams on disk: `SqliteStreamStore` from `@marketing-team/server/sqlite`.
export {
  createDurableStreamsHandler,
  MemoryStreamStore,
  formatStreamOffset,
  parseStreamOffset,
  isWellFormedStreamOffset,
  ZERO_STREAM_OFFSET,
  type DurableStreamsHandler,
  type DurableStreamsHandlerOptions,
  type DurableStreamsAccess,
  type DurableStreamsRequest,
  type SessionTokenVerifier,
  type StreamStore,
  type StoredStreamMessage,
  type StreamChange,
  type StreamCloser,
  type StreamMetadata,
  type ProducerState,
} from './durable-streams/index.js';
