/** The reason a `RunLease` signal aborts: this node no longer surely holds the run. */
export class RunLeaseLostError extends Error {
  override readonly name = 'RunLeaseLostError';
  readonly code = 'conflict' as const;
  constructor(
    readonly session: string,
    readonly runId: string,
    readonly why: 'taken' | 'expired',
  ) {
    super(
      why === 'taken'
        ? `run ${runId} of session ${session}: the lease is no longer this node's`
        : `run ${runId} of session ${session}: the lease could not be renewed in time`,
    );
  }
}
