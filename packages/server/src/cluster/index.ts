export type { RunLease, RunLeases } from './run-leases.js';
export { RedisRunLeases } from './redis-run-leases.js';
export type { RedisRunLeasesOptions, RunLeaseMetrics } from './redis-run-leases.js';
export { RunLeaseLostError } from './run-lease-lost-error.js';
export { PostgresRunLeases } from './postgres-run-leases.js';
export type { PostgresRunLeasesOptions } from './postgres-run-leases.js';
