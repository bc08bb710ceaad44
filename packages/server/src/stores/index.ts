export type {
  AppendOptions,
  AppendResult,
  OpenRun,
  RecordListener,
  RetentionPolicy,
  SessionHead,
  SessionStore,
  StoredClientMessage,
  StoredSnapshot,
  StoreLimits,
  SubscribeOptions,
  Subscription,
} from './session-store.js';
export { DEFAULT_CLIENT_MESSAGE_WINDOW, DEFAULT_FENCE_WINDOW, FencedError, StoreClosedError } from './session-store.js';
export { MemoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
