import type Database from 'better-sqlite3';

/**
 * Copies a WAL-mode database's committed pages into its main file on a timer. SQLite's own
 * auto-checkpoint runs inside the commit that crosses 1000 WAL pages, so that one append waits
 * for the copy and an fsync of the main file (a stall of several ms on a busy log). On a timer
 * the copy happens between commits, and a passive checkpoint never waits for a lock.
 * Returns the function that stops it.
 */
export function checkpointOnTimer(db: Database.Database, intervalMs: number): () => void {
  db.pragma('wal_autocheckpoint = 0');
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or closing: the next interval tries again, and closing checkpoints anyway.
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
