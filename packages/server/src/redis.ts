// `@marketing-team/server/redis`: sessions, run leases and viewers shared by several nodes. Needs `ioredis`.
export { RedisStore } from './stores/redis-store.js';
export type { RedisStoreMetrics, RedisStoreOptions } from './stores/redis-store.js';
export { RedisRunLeases } from './cluster/redis-run-leases.js';
export type { RedisRunLeasesOptions } from './cluster/redis-run-leases.js';
export { RedisClusterViewers } from './cluster/redis-cluster-viewers.js';
export type { RedisClusterViewersOptions } from './cluster/redis-cluster-viewers.js';
export { RedisWorkspaceStore } from './workspaces/redis-workspace-store.js';
export type { RedisWorkspaceStoreOptions } from './workspaces/redis-workspace-store.js';
