/**
 * Open while a run may work, closed while it is paused (`run.paused` until `run.resumed`).
 * Tasks pass it before they start and before each generation, so a paused run starts nothing.
 */
export class PauseGate {
  #closed = false;
  #waiters = new Set<() => void>();

  get paused(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
  }

  open(): void {
    this.#closed = false;
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves at once when open, else once opened; rejects with the signal's reason when it aborts first. */
  pass(signal: AbortSignal): Promise<void> {
    if (!this.#closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const wake = () => {
        this.#waiters.delete(wake);
        signal.removeEventListener('abort', abort);
        resolve();
      };
      const abort = () => {
        this.#waiters.delete(wake);
        reject(signal.reason);
      };
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      this.#waiters.add(wake);
    });
  }
}
