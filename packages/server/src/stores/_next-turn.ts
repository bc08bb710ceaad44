/**
 * Resolves on a later turn of the event loop (after pending I/O callbacks), not on a microtask.
 * Stores whose reads are synchronous (SQLite, memory) await it between pages, so replaying a long
 * log lets every other session's live traffic through between two pages instead of after the last.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * For work done in slices: the returned `breathe` resolves at once while the current slice has
 * taken less than `sliceMs`, and on a later turn once it has taken that long, starting the next.
 */
export function sliceClock(sliceMs = 4): () => Promise<void> {
  let started = performance.now();
  return async () => {
    if (performance.now() - started < sliceMs) return;
    await nextTurn();
    started = performance.now();
  };
}
