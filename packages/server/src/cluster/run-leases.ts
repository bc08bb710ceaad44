import type { RunBaseContext, RunLauncher } from '../runtime/run-launcher.js';
import type { SessionStore } from '../stores/session-store.js';

/**
 * A node's hold on one run: while it is held, this node alone runs the run. It is renewed in the
 * background; once it is lost (or may have expired, e.g. after a long pause) `signal` aborts and
 * the guarded launcher's appends are refused, so a node that lost a run stops writing to it.
 */
export interface RunLease {
  readonly session: string;
  readonly runId: string;
  /** Aborted when the lease is lost; its reason is a `RunLeaseLostError`. */
  readonly signal: AbortSignal;
  /** True while the lease is held with time to spare before it could expire. */
  readonly held: boolean;
  /**
   * Wraps a launcher for this run: its context's `signal` also aborts when the lease is lost,
   * and its `append` is refused with `FencedError` once the lease is not surely held.
   */
  guard<Context extends RunBaseContext>(launcher: RunLauncher<Context>): RunLauncher<Context>;
  /** Gives the lease back; call once the run's terminal event is stored. Safe to call twice. */
  release(): Promise<void>;
}

/**
 * Run ownership across server nodes, consulted by the session hub: a lease is taken before a
 * run is launched and given back once the run has ended, and runs left behind by a node that
 * died are recorded as `run.interrupted`.
 */
export interface RunLeases {
  /** Takes the run's lease for this node; resolves with `undefined` when another node holds it. */
  acquire(session: string, runId: string): Promise<RunLease | undefined>;
  /**
   * Records `run.interrupted` if the run has not ended and no node holds its lease (its node
   * died, or never took it). Resolves with whether this call recorded it; at most one node does.
   */
  interruptIfOrphaned(session: string, runId: string): Promise<boolean>;
}

/** Options every run-lease backend takes, besides where it keeps its leases. */
export interface RunLeaseTimingOptions {
  /** The store the runs write to; a run found orphaned gets its `run.interrupted` here. */
  store: SessionStore;
  /** This node's id, stored in the leases it holds; random when absent. */
  nodeId?: string;
  /** How long a lease lasts unless renewed (renewed every third of it); defaults to 10 000 ms. */
  ttlMs?: number;
  /** How often expired leases are looked for; defaults to half the ttl. */
  sweepMs?: number;
  /**
   * How long after its brief a run may go without ever having had a lease before a node opening
   * its session counts it orphaned (its node died before taking the lease); defaults to 3 × ttl.
   */
  graceMs?: number;
  /** How long the lease of an interrupted run stays marked ended, so a late launch cannot take it; defaults to one hour. */
  tombstoneMs?: number;
  /** Called with errors that must not stop the node (a failed renewal or sweep). */
  onError?: (error: unknown) => void;
}

/** Counters of a node's run leases (`RedisRunLeases`, `PostgresRunLeases`), for benchmarks and monitoring. */
export interface RunLeaseMetrics {
  /** Leases this node took. */
  acquired: number;
  /** Leases this node lost (taken or expired) while its run was going. */
  lost: number;
  /** Renewal requests sent (one per tick and batch of leases the node holds). */
  renewRoundTrips: number;
  /** Runs this node recorded as `run.interrupted` because their node was gone. */
  interrupted: number;
  /** Sweeps of the live runs. */
  sweeps: number;
}
