export type { RunLease, RunLeases } from './run-leases.js';
export type { RunLeaseMetrics } from './redis-run-leases.js';
export { RunLeaseLostError } from './run-lease-lost-error.js';
