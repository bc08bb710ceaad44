import type { RunBaseContext, RunLauncher } from '../runtime/run-launcher.js';

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
