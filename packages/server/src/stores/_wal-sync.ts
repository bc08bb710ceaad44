import fs from 'node:fs';

/**
 * Makes a WAL file durable off the main thread: `fdatasync` runs on libuv's thread pool while
 * the event loop goes on (sending what is already durable, taking the appends that arrive). One
 * sync is in flight at a time; every commit made while it runs shares the next one.
 */
export class WalSync {
  readonly #path: string;
  #fd: number | undefined;
  /** The fsync running now. */
  #inFlight: Promise<void> | undefined;
  /** The fsync that starts when the running one ends, shared by every commit made meanwhile. */
  #queued: Promise<void> | undefined;

  constructor(walPath: string) {
    this.#path = walPath;
  }

  /** Resolves once everything written to the WAL before this call is on disk. */
  sync(): Promise<void> {
    if (this.#queued) return this.#queued;
    const running = this.#inFlight;
    if (!running) return this.#begin();
    // The running fsync may have started before these bytes were written: one more covers them.
    const next = (): Promise<void> => {
      this.#queued = undefined;
      return this.#begin();
    };
    this.#queued = running.then(next, next);
    return this.#queued;
  }

  /** Waits for the fsyncs under way, then closes the file. */
  async close(): Promise<void> {
    await (this.#queued ?? this.#inFlight)?.catch(() => undefined);
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
    this.#fd = undefined;
  }

  #begin(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      // Opened on first use: SQLite creates the WAL with the first write. fsync needs no write access.
      this.#fd ??= fs.openSync(this.#path, 'r');
      // fdatasync, as SQLite syncs its WAL: the data and the size, not the times.
      fs.fdatasync(this.#fd, (error) => (error ? reject(error) : resolve()));
    });
    this.#inFlight = done;
    const settled = () => {
      if (this.#inFlight === done) this.#inFlight = undefined;
    };
    done.then(settled, settled);
    return done;
  }
}
