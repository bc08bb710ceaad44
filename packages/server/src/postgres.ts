// `@marketing-team/server/postgres`: sessions, run leases and workspaces on PostgreSQL. Needs `pg`.
export { PostgresStore } from './stores/postgres-store.js';
export type { PostgresStoreMetrics, PostgresStoreOptions } from './stores/postgres-store.js';
export { PostgresRunLeases } from './cluster/postgres-run-leases.js';
export type { PostgresRunLeasesOptions } from './cluster/postgres-run-leases.js';
export { PostgresWorkspaceStore } from './workspaces/postgres-workspace-store.js';
export type { PostgresWorkspaceStoreOptions } from './workspaces/postgres-workspace-store.js';
