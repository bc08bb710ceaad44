/** Runs tasks one at a time, in call order (a promise chain). */
export class AsyncMutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    // The chain must survive a failed task; the caller still sees the failure.
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
