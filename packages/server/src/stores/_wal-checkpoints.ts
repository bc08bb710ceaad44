import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The checkpointer thread: its own connection to the database file, a passive checkpoint every
 * interval, and a clean close when asked. Plain CommonJS evaluated in the worker, so it runs the
 * same from the TypeScript sources and from the build.
 */
const checkpointer = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true, timeout: 0 });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {}
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage('ready');
`;

/**
 * Copies a WAL-mode database's committed pages into its main file on a timer. SQLite's own
 * auto-checkpoint runs inside the commit that crosses 1000 WAL pages, so that one append waits
 * for the copy and an fsync of the main file (a stall of several ms on a busy log). On a timer
 * the copy happens between commits, and a passive checkpoint never waits for a lock.
 *
 * For a database file the checkpoints run on a thread of their own with a second connection:
 * after a burst of appends the copy and its fsync took 25-115 ms, during which the event loop
 * (every session's live stream) stood still. An in-memory database checkpoints in process.
 * Returns the function that stops it; it resolves once the thread has closed its connection.
 */
export function checkpointOnTimer(db: Database.Database, intervalMs: number): () => Promise<void> {
  db.pragma('wal_autocheckpoint = 0');
  if (db.memory) return inProcess(db, intervalMs);
  let fallback: (() => Promise<void>) | undefined;
  const worker = new Worker(checkpointer, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path: db.name, intervalMs },
  });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.once('error', () => {
    // The thread could not open the file: checkpoints run here as before.
    if (db.open) fallback ??= inProcess(db, intervalMs);
  });
  return async () => {
    if (fallback) return fallback();
    // Held open until the thread has closed its connection, so code after `close()` still runs.
    worker.ref();
    worker.postMessage('stop');
    await exited;
  };
}

function inProcess(db: Database.Database, intervalMs: number): () => Promise<void> {
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or closing: the next interval tries again, and closing checkpoints anyway.
    }
  }, intervalMs);
  timer.unref();
  return async () => clearInterval(timer);
}
