// `@marketing-team/server/sqlite`: the embedded default, on local disk. Needs `better-sqlite3`.
export { SqliteStore } from './stores/sqlite-store.js';
export type { SqliteStoreMetrics, SqliteStoreOptions, SqliteSynchronous } from './stores/sqlite-store.js';
export { SqliteStreamStore } from './durable-streams/sqlite-stream-store.js';
export type { SqliteStreamStoreOptions } from './durable-streams/sqlite-stream-store.js';
export { SqliteWorkspaceStore } from './workspaces/sqlite-workspace-store.js';
export type { SqliteWorkspaceStoreOptions } from './workspaces/sqlite-workspace-store.js';
