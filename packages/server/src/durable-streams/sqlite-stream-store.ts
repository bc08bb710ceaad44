import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { checkpointOnTimer } from '../stores/_wal-checkpoints.js';
import { WalSync } from '../stores/_wal-sync.js';
import type {
  ProducerState,
  StoredStreamMessage,
  StreamChange,
  StreamMetadata,
  StreamStore,
} from './stream-store.js';

/** Options of {@link SqliteStreamStore}. */
export interface SqliteStreamStoreOptions {
  /**
   * Database file, created with its folder when missing (it may be the session store's file:
   * the tables are prefixed `ds_`). `:memory:` works but is not durable.
   */
  path: string;
  /**
   * `full` (default) syncs the WAL to disk after every commit, before the commit resolves, so an
   * acknowledged append survives power loss; the sync runs off the main thread on a file.
   * `normal` survives a process crash only.
   */
  synchronous?: 'full' | 'normal';
}

const OptionsSchema = z.object({
  path: z.string().min(1),
  synchronous: z.enum(['full', 'normal']).default('full'),
});

const MetadataSchema = z.object({
  path: z.string(),
  contentType: z.string(),
  createdAt: z.number(),
  lastAccessedAt: z.number(),
  ttlSeconds: z.number().optional(),
  expiresAt: z.string().optional(),
  tail: z.number(),
  closed: z.boolean(),
  closedBy: z.object({ producerId: z.string(), epoch: z.number(), seq: z.number() }).optional(),
  lastStreamSeq: z.string().optional(),
  forkedFrom: z.string().optional(),
  forkOffset: z.number().optional(),
  forkSubOffset: z.number().optional(),
  referenceCount: z.number(),
  softDeleted: z.boolean(),
  storedBytes: z.number().optional(),
});

interface MessageRow {
  offset: number;
  data: Buffer;
}

/** Keeps generic streams in a SQLite file (WAL mode) through better-sqlite3. */
export class SqliteStreamStore implements StreamStore {
  readonly #database: Database.Database;
  readonly #statements;
  readonly #commit: (change: StreamChange) => void;
  readonly #stopCheckpoints: () => Promise<void>;
  /** With `synchronous: 'full'` on a file: the fsync of its WAL, off the main thread. */
  readonly #walSync: WalSync | undefined;
  /**
   * Streams changed by commits whose WAL sync has not completed, with what readers are shown of
   * each meanwhile: its durable metadata (undefined while it is being created or removed). The
   * metadata bounds every read, so a message is never read before it is on disk.
   */
  readonly #unsynced = new Map<string, { durable: StreamMetadata | undefined; commit: number }>();
  #commits = 0;
  /** Set when a WAL sync failed: what was committed may not be on disk, so no more writes are taken. */
  #syncFailure: Error | undefined;

  constructor(options: SqliteStreamStoreOptions) {
    const result = OptionsSchema.safeParse(options);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new TypeError(`SqliteStreamStore: options.${issue?.path.join('.') ?? ''}: ${issue?.message}`);
    }
    const parsed = result.data;
    if (parsed.path !== ':memory:') mkdirSync(dirname(parsed.path), { recursive: true });
    this.#database = new Database(parsed.path, { timeout: 5000 });
    this.#database.pragma('journal_mode = WAL');
    // `full` on a file: SQLite commits without waiting for the disk and the store syncs the WAL
    // itself, off the main thread, before the commit resolves.
    this.#walSync = parsed.synchronous === 'full' && parsed.path !== ':memory:' ? new WalSync(`${parsed.path}-wal`) : undefined;
    this.#database.pragma(`synchronous = ${parsed.synchronous === 'full' && !this.#walSync ? 'FULL' : 'NORMAL'}`);
    this.#stopCheckpoints = checkpointOnTimer(this.#database, 1000);
    this.#database.exec(`
      CREATE TABLE IF NOT EXISTS ds_streams (
        path TEXT PRIMARY KEY,
        metadata TEXT NOT NULL,
        last_accessed_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ds_messages (
        path TEXT NOT NULL,
        offset INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (path, offset)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ds_producers (
        path TEXT NOT NULL,
        producer_id TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (path, producer_id)
      ) WITHOUT ROWID;
    `);
    const database = this.#database;
    this.#statements = {
      getStream: database.prepare<[string], { metadata: string; last_accessed_at: number }>(
        'SELECT metadata, last_accessed_at FROM ds_streams WHERE path = ?',
      ),
      putStream: database.prepare<[string, string, number]>(
        'INSERT INTO ds_streams (path, metadata, last_accessed_at) VALUES (?, ?, ?) ' +
          'ON CONFLICT (path) DO UPDATE SET metadata = excluded.metadata, last_accessed_at = excluded.last_accessed_at',
      ),
      touch: database.prepare<[number, string]>('UPDATE ds_streams SET last_accessed_at = ? WHERE path = ?'),
      removeStream: database.prepare<[string]>('DELETE FROM ds_streams WHERE path = ?'),
      removeMessages: database.prepare<[string]>('DELETE FROM ds_messages WHERE path = ?'),
      removeProducers: database.prepare<[string]>('DELETE FROM ds_producers WHERE path = ?'),
      insertMessage: database.prepare<[string, number, Uint8Array]>(
        'INSERT INTO ds_messages (path, offset, data) VALUES (?, ?, ?)',
      ),
      readMessages: database.prepare<[string, number, number], MessageRow>(
        'SELECT offset, data FROM ds_messages WHERE path = ? AND offset > ? AND offset <= ? ORDER BY offset',
      ),
      expiring: database.prepare<[], { path: string }>(
        "SELECT path FROM ds_streams WHERE json_extract(metadata, '$.softDeleted') = 0 AND " +
          "(json_extract(metadata, '$.ttlSeconds') IS NOT NULL OR json_extract(metadata, '$.expiresAt') IS NOT NULL)",
      ),
      count: database.prepare<[], { count: number }>('SELECT COUNT(*) AS count FROM ds_streams'),
      getProducer: database.prepare<[string, string], { epoch: number; last_seq: number; updated_at: number }>(
        'SELECT epoch, last_seq, updated_at FROM ds_producers WHERE path = ? AND producer_id = ?',
      ),
      putProducer: database.prepare<[string, string, number, number, number]>(
        'INSERT INTO ds_producers (path, producer_id, epoch, last_seq, updated_at) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (path, producer_id) DO UPDATE SET epoch = excluded.epoch, last_seq = excluded.last_seq, ' +
          'updated_at = excluded.updated_at',
      ),
    };
    const statements = this.#statements;
    this.#commit = database.transaction((change: StreamChange) => {
      for (const path of change.remove ?? []) {
        statements.removeStream.run(path);
        statements.removeMessages.run(path);
        statements.removeProducers.run(path);
      }
      for (const metadata of change.put ?? []) {
        statements.putStream.run(metadata.path, JSON.stringify(metadata), metadata.lastAccessedAt);
      }
      if (change.append) {
        if (!statements.getStream.get(change.append.path)) throw new Error(`stream ${change.append.path} does not exist`);
        for (const message of change.append.messages) {
          statements.insertMessage.run(change.append.path, message.offset, message.data);
        }
      }
      if (change.producer) {
        const { path, producerId, state } = change.producer;
        statements.putProducer.run(path, producerId, state.epoch, state.lastSeq, state.updatedAt);
      }
    });
  }

  /** {@inheritDoc StreamStore.getStream} */
  async getStream(path: string): Promise<StreamMetadata | undefined> {
    const unsynced = this.#unsynced.get(path);
    return unsynced ? unsynced.durable && { ...unsynced.durable } : this.#storedStream(path);
  }

  #storedStream(path: string): StreamMetadata | undefined {
    const row = this.#statements.getStream.get(path);
    if (!row) return undefined;
    const metadata = MetadataSchema.parse(JSON.parse(row.metadata)) as StreamMetadata;
    return { ...metadata, lastAccessedAt: row.last_accessed_at };
  }

  /** {@inheritDoc StreamStore.getProducer} */
  async getProducer(path: string, producerId: string): Promise<ProducerState | undefined> {
    const row = this.#statements.getProducer.get(path, producerId);
    return row ? { epoch: row.epoch, lastSeq: row.last_seq, updatedAt: row.updated_at } : undefined;
  }

  /** {@inheritDoc StreamStore.commit} */
  async commit(change: StreamChange): Promise<void> {
    if (this.#syncFailure) throw this.#syncFailure;
    if (!this.#walSync) {
      this.#commit(change);
      return;
    }
    const commit = ++this.#commits;
    // What readers keep seeing of each changed stream until this commit is on disk.
    const hidden = new Map<string, StreamMetadata | undefined>();
    for (const path of change.remove ?? []) hidden.set(path, undefined);
    for (const { path } of change.put ?? []) if (!hidden.has(path)) hidden.set(path, this.#storedStream(path));
    this.#commit(change);
    for (const [path, durable] of hidden) {
      const entry = this.#unsynced.get(path);
      if (entry) entry.commit = commit;
      else this.#unsynced.set(path, { durable, commit });
    }
    try {
      await this.#walSync.sync();
    } catch (error) {
      // Committed, maybe never on disk: it stays hidden, and the store takes no more writes.
      this.#syncFailure ??= new Error(`SqliteStreamStore: WAL sync failed: ${(error as Error).message}`, { cause: error });
      throw this.#syncFailure;
    }
    // This sync covers every commit made before it.
    for (const [path, entry] of this.#unsynced) if (entry.commit <= commit) this.#unsynced.delete(path);
  }

  /** {@inheritDoc StreamStore.readMessages} */
  async readMessages(path: string, after: number, upTo: number, maxBytes: number): Promise<StoredStreamMessage[]> {
    const result: StoredStreamMessage[] = [];
    let bytes = 0;
    for (const row of this.#statements.readMessages.iterate(path, after, upTo)) {
      if (result.length > 0 && bytes + row.data.length > maxBytes) break;
      result.push({ offset: row.offset, data: new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.length) });
      bytes += row.data.length;
    }
    return result;
  }

  /** {@inheritDoc StreamStore.expiringStreams} */
  async expiringStreams(): Promise<string[]> {
    return this.#statements.expiring.all().map((row) => row.path);
  }

  /** {@inheritDoc StreamStore.countStreams} */
  async countStreams(): Promise<number> {
    return this.#statements.count.get()!.count;
  }

  /** {@inheritDoc StreamStore.touch} */
  async touch(path: string, at: number): Promise<void> {
    this.#statements.touch.run(at, path);
  }

  /** Closes the database file. */
  async close(): Promise<void> {
    await this.#walSync?.close();
    await this.#stopCheckpoints();
    if (this.#database.open) this.#database.close();
  }
}
