import { FencedError } from '../stores/session-store.js';
import type { RunBaseContext, RunLauncher } from '../runtime/run-launcher.js';
import { RunLeaseLostError } from './run-lease-lost-error.js';
import type { RunLease } from './run-leases.js';

/** What a held lease needs from the manager that took it. */
export interface LeaseHost {
  /** Margin before the expiry after which the lease no longer counts as held. */
  readonly marginMs: number;
  release(lease: HeldLease): Promise<void>;
}

/**
 * A lease this node holds. `deadline` is the local (monotonic) time by which the storage will have
 * expired the lease unless renewed: measured from when the acquire or renew request was sent, so
 * it is never later than the real expiry.
 */
export class HeldLease implements RunLease {
  readonly #controller = new AbortController();
  readonly #host: LeaseHost;
  #released: Promise<void> | undefined;
  deadline: number;

  constructor(
    readonly session: string,
    readonly runId: string,
    readonly member: string,
    readonly key: string,
    deadline: number,
    host: LeaseHost,
  ) {
    this.deadline = deadline;
    this.#host = host;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get lost(): boolean {
    return this.#controller.signal.aborted;
  }

  get releasing(): boolean {
    return this.#released !== undefined;
  }

  get held(): boolean {
    if (this.lost || this.#released) return false;
    if (performance.now() <= this.deadline - this.#host.marginMs) return true;
    // A pause (GC, a stopped VM) outlived the lease: stop before anything else is written.
    this.markLost('expired');
    return false;
  }

  markLost(why: 'taken' | 'expired'): void {
    if (!this.lost) this.#controller.abort(new RunLeaseLostError(this.session, this.runId, why));
  }

  guard<Context extends RunBaseContext>(launcher: RunLauncher<Context>): RunLauncher<Context> {
    return {
      launch: (context: Context) =>
        launcher.launch({
          ...context,
          signal: AbortSignal.any([context.signal, this.signal]),
          append: (events) => (this.held ? context.append(events) : Promise.reject(new FencedError(this.runId))),
        }),
    };
  }

  release(): Promise<void> {
    this.#released ??= this.#host.release(this);
    return this.#released;
  }
}
