/**
 * Resolves on a later turn of the event loop (after pending I/O callbacks), not on a microtask.
 * Stores whose reads are synchronous (SQLite, memory) await it between pages, so replaying a long
 * log lets every other session's live traffic through between two pages instead of after the last.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
