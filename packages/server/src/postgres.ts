// `@marketing-team/server/postgres`: sessions and run leases on PostgreSQL. Needs `pg`.
export { PostgresStore } from './stores/postgres-store.js';
export type { PostgresStoreMetrics, PostgresStoreOptions } from './stores/postgres-store.js';
export { PostgresRunLeases } from './cluster/postgres-run-leases.js';
export type { PostgresRunLeasesOptions } from './cluster/postgres-run-leases.js';
