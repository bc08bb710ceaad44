export type { RunLease, RunLeases, RunLeaseMetrics, RunLeaseTimingOptions } from './run-leases.js';
export { RunLeaseLostError } from './run-lease-lost-error.js';
export type { ClusterViewers } from './cluster-viewers.js';
