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
export { FencedError, StoreClosedError } from './session-store.js';
export { MemoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { SqliteStore } from './sqlite-store.js';
export type { SqliteStoreMetrics, SqliteStoreOptions, SqliteSynchronous } from './sqlite-store.js';
export { RedisStore } from './redis-store.js';
export type { RedisStoreMetrics, RedisStoreOptions } from './redis-store.js';
export { PostgresStore } from './postgres-store.js';
export type { PostgresStoreMetrics, PostgresStoreOptions } from './postgres-store.js';
