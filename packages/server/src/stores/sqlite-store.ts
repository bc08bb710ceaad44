import { ProtocolError, type SessionEvent, type SessionRecord } from '@marketing-team/core';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { FenceState, assertSessionId, fenceTarget } from './_fence.js';
import { storedStateJson } from './_state-json.js';
import { LiveListeners } from './_live-listeners.js';
import { Tail } from './_tail.js';
import { nextTurn } from './_next-turn.js';
import { readRecord, storedRecord } from './_record-json.js';
import { checkpointOnTimer } from './_wal-checkpoints.js';
import { WalSync } from './_wal-sync.js';
import {
  StoreLimitsSchema,
  parseOptions,
  prepareAppend,
  retentionCut,
  snapshotBeyondHead,
  validateRead,
  validateRetention,
  validateSnapshot,
  validateSubscribe,
  validateClientMessageLookup,
  type PreparedAppend,
  type ResolvedLimits,
} from './_validate.js';
import {
  StoreClosedError,
  type AppendOptions,
  type AppendResult,
  type OpenRun,
  type RecordListener,
  type RetentionPolicy,
  type SessionHead,
  type SessionStore,
  type StoredClientMessage,
  type StoredSnapshot,
  type StoreLimits,
  type SubscribeOptions,
  type Subscription,
} from './session-store.js';

/**
 * How hard SQLite syncs a commit to disk (`PRAGMA synchronous`, in WAL mode):
 * - `full` (default): the WAL is fsynced after every commit, before anything of it is delivered
 *   or acknowledged. An acknowledged append survives a process crash and a power loss or OS
 *   crash. The fsync runs off the main thread (SQLite itself commits at `normal`), and commits
 *   made while one runs share the next.
 * - `normal`: the WAL is fsynced only at checkpoints. An acknowledged append survives a process
 *   crash (SIGKILL included); a power loss or OS crash may lose the newest appends, never
 *   corrupting the file or leaving a gap.
 * - `off`: no fsync at all. Survives a process crash; a power loss or OS crash may lose recent
 *   appends or corrupt the database. For throwaway data only.
 */
export type SqliteSynchronous = 'full' | 'normal' | 'off';

/** Options of `SqliteStore`. */
export interface SqliteStoreOptions extends StoreLimits {
  /** Database file (created with its folder if missing); `:memory:` for a private in-memory database. */
  path: string;
  /** Durability of each commit; see `SqliteSynchronous`. Default `full`. */
  synchronous?: SqliteSynchronous;
  /** How long to wait for a lock held by another connection, in ms (default 5000). */
  busyTimeoutMs?: number;
  /**
   * How often the WAL is copied into the main file, in ms (default 1000). Checkpoints run on
   * this timer, between commits, never inside an append.
   */
  checkpointIntervalMs?: number;
}

const SqliteStoreOptionsSchema = z.object({
  ...StoreLimitsSchema.shape,
  path: z.string().min(1),
  synchronous: z.enum(['full', 'normal', 'off']).default('full'),
  busyTimeoutMs: z.number().int().nonnegative().default(5000),
  checkpointIntervalMs: z.number().int().min(10).max(3_600_000).default(1000),
});

// 3: `sessions.head` is no longer written by appends (the head is the newest stored `seq`, or
// `first - 1` when retention dropped every event); a build of schema 2 would trust it, so it refuses
// the file. Fences record the offset that set them (`fences.seq`), so they can be trimmed; older
// files gain the column on open (see the constructor).
// 4: a large snapshot's state is stored in parts (`snapshot_parts`), written a part per turn, and
// `snapshots.save` names them (the row's `state` is then empty); a build of schema 3 would read that
// empty state, so it refuses the file. Older files gain the column on open.
const schemaVersion = 4;

/**
 * Characters of a snapshot's JSON written per turn of the event loop. A long session's state
 * (1.5 MB of JSON) written in one statement held every other session's live stream for tens of
 * milliseconds; a part of this size takes well under one.
 */
const SNAPSHOT_PART_CHARS = 65_536;

const schema = `
CREATE TABLE IF NOT EXISTS sessions (
  session TEXT PRIMARY KEY,
  epoch TEXT NOT NULL,
  head INTEGER NOT NULL,
  first INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  session TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (session, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fences (
  session TEXT NOT NULL,
  fence TEXT NOT NULL,
  seq INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (session, fence)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS client_messages (
  session TEXT NOT NULL,
  client_msg_id TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  PRIMARY KEY (session, client_msg_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS open_runs (
  session TEXT NOT NULL,
  run_id TEXT NOT NULL,
  PRIMARY KEY (session, run_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
  session TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  state TEXT NOT NULL,
  saved_at INTEGER NOT NULL,
  save TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshot_parts (
  session TEXT NOT NULL,
  save TEXT NOT NULL,
  part INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (session, save, part)
) WITHOUT ROWID;
`;

/** Whether a UTF-16 code unit is the first half of a surrogate pair. */
function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Parts of saves that never completed (the process stopped while writing them). */
const deleteOrphanedSnapshotParts = `
DELETE FROM snapshot_parts
WHERE NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.session = snapshot_parts.session AND s.save = snapshot_parts.save);
`;

const backfillOpenRuns = `
INSERT OR IGNORE INTO open_runs (session, run_id)
SELECT e.session, json_extract(e.event, '$.runId') FROM events e
WHERE json_extract(e.event, '$.type') = 'brief.submitted'
  AND NOT EXISTS (SELECT 1 FROM fences f WHERE f.session = e.session AND f.fence = json_extract(e.event, '$.runId'));
`;

const addFenceOffsets = `
ALTER TABLE fences ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE fences SET seq = coalesce((SELECT head FROM sessions s WHERE s.session = fences.session), 0);
`;

interface PendingAppend {
  prepared: PreparedAppend;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** A committed transaction whose appends wait for the WAL fsync before delivery and acknowledgement. */
interface UnsyncedGroup {
  batch: PendingAppend[];
  outcomes: (AppendResult | Error)[];
  stored: Map<string, SessionRecord[]>;
  synced: Promise<void>;
}

interface EventRow {
  seq: number;
  at: number;
  event: string;
}

/** Counters of a `SqliteStore`, for benchmarks and monitoring. */
export interface SqliteStoreMetrics {
  /** Appends stored (duplicates and refused appends excluded). */
  appends: number;
  /** Append transactions committed; `appends / commits` is the group-commit factor. */
  commits: number;
}

/** Fence sets kept in memory per session; loaded once, then extended by this process's appends. */
const maxCachedFences = 10_000;

/** Heads and epochs kept in memory; one beyond it is read again from the file when next used. */
const maxCachedHeads = 10_000;

/** Where one session's log stands, as this process (its only writer) last committed it. */
interface LogHead {
  epoch: string;
  head: number;
}

/**
 * The embedded default `SessionStore`: one SQLite file in WAL mode (`better-sqlite3`).
 *
 * - `append` resolves only after its transaction committed (with the `synchronous` guarantee).
 * - Group commit: appends arriving in the same event-loop turn share one transaction, so a
 *   burst of `text.delta`s from five agents costs one commit, not five.
 * - Each session has an epoch (a random id created with its log, replaced once it is deleted),
 *   an idempotency table (client message id -> offsets), the newest snapshot and a trim point.
 * - Live tail is in-process: one process should own a file for writing.
 */
export class SqliteStore implements SessionStore {
  private readonly db: Database.Database;
  private readonly limits: ResolvedLimits;
  private readonly live = new LiveListeners();
  private readonly fences = new Map<string, FenceState>();
  /**
   * Each session's epoch and head, read from the file once, then moved by this process's
   * commits: an append costs no SELECT of the session row and no UPDATE of it.
   */
  private readonly heads = new Map<string, LogHead>();
  /** With `synchronous: 'full'` on a file: the fsync of its WAL, off the main thread. */
  private readonly walSync: WalSync | undefined;
  /** Committed groups, oldest first, whose WAL fsync has not completed: nothing of them is visible yet. */
  private unsynced: UnsyncedGroup[] = [];
  /** Set when a WAL fsync failed: what was committed may not be on disk, so the store takes no more writes. */
  private syncFailure: unknown;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly statements;
  private readonly writeTransaction;
  private readonly stopCheckpoints: () => Promise<void>;
  /** Live counters; read them, do not write them. */
  readonly metrics: SqliteStoreMetrics = { appends: 0, commits: 0 };

  constructor(options: SqliteStoreOptions) {
    const parsed = parseOptions(SqliteStoreOptionsSchema, options, 'options');
    this.limits = { maxEventBytes: parsed.maxEventBytes, maxEventsPerAppend: parsed.maxEventsPerAppend };
    if (parsed.path !== ':memory:') mkdirSync(dirname(parsed.path), { recursive: true });
    this.db = new Database(parsed.path, { timeout: parsed.busyTimeoutMs });
    this.db.pragma('journal_mode = WAL');
    // `full` on a file: SQLite commits without waiting for the disk and the store fsyncs the WAL
    // itself, off the main thread, before the commit's records are delivered or acknowledged.
    this.walSync = parsed.synchronous === 'full' && parsed.path !== ':memory:' ? new WalSync(`${parsed.path}-wal`) : undefined;
    this.db.pragma(`synchronous = ${this.walSync ? 'NORMAL' : parsed.synchronous.toUpperCase()}`);
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > schemaVersion) {
      this.db.close();
      throw new Error(`${parsed.path}: written by a newer version (schema ${version} > ${schemaVersion})`);
    }
    // Schemas 1 and 2 kept no offset per fence: their fences count from each session's head now,
    // so they are kept a whole fence window from the upgrade on.
    if (version >= 1 && version < 3 && !(this.db.pragma('table_info(fences)') as { name: string }[]).some((column) => column.name === 'seq')) {
      this.db.exec(addFenceOffsets);
    }
    // Schemas 1 to 3 kept every snapshot whole in its row.
    if (version >= 1 && version < 4 && !(this.db.pragma('table_info(snapshots)') as { name: string }[]).some((column) => column.name === 'save')) {
      this.db.exec('ALTER TABLE snapshots ADD COLUMN save TEXT');
    }
    this.db.exec(schema);
    // Schema 1 had no open-run index: derive it once from the briefs that have no fence.
    if (version === 1) this.db.exec(backfillOpenRuns);
    this.db.exec(deleteOrphanedSnapshotParts);
    this.db.pragma(`user_version = ${schemaVersion}`);
    this.stopCheckpoints = checkpointOnTimer(this.db, parsed.checkpointIntervalMs);
    const db = this.db;
    this.statements = {
      selectSession: db.prepare<[string], { epoch: string; head: number; first: number }>(
        'SELECT epoch, head, first FROM sessions WHERE session = ?',
      ),
      insertSession: db.prepare<[string, string]>('INSERT INTO sessions (session, epoch, head, first) VALUES (?, ?, 0, 1)'),
      maxSeq: db.prepare<[string], { seq: number | null }>('SELECT max(seq) AS seq FROM events WHERE session = ?'),
      updateFirst: db.prepare<[number, string]>('UPDATE sessions SET first = ? WHERE session = ?'),
      insertEvent: db.prepare<[string, number, number, string]>('INSERT INTO events (session, seq, at, event) VALUES (?, ?, ?, ?)'),
      readEvents: db.prepare<[string, number, number], EventRow>(
        'SELECT seq, at, event FROM events WHERE session = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      ageCut: db.prepare<[string, number], { cut: number | null }>(
        'SELECT max(seq) AS cut FROM events WHERE session = ? AND at <= ?',
      ),
      trimEvents: db.prepare<[string, number]>('DELETE FROM events WHERE session = ? AND seq <= ?'),
      selectFences: db.prepare<[string], { fence: string; seq: number }>('SELECT fence, seq FROM fences WHERE session = ?'),
      insertFence: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO fences (session, fence, seq) VALUES (?, ?, ?)'),
      trimFences: db.prepare<[string, number]>('DELETE FROM fences WHERE session = ? AND seq <= ?'),
      selectClientMessage: db.prepare<[string, string], { first_seq: number; last_seq: number }>(
        'SELECT first_seq, last_seq FROM client_messages WHERE session = ? AND client_msg_id = ?',
      ),
      insertClientMessage: db.prepare<[string, string, number, number]>(
        'INSERT INTO client_messages (session, client_msg_id, first_seq, last_seq) VALUES (?, ?, ?, ?)',
      ),
      insertOpenRun: db.prepare<[string, string]>('INSERT OR IGNORE INTO open_runs (session, run_id) VALUES (?, ?)'),
      deleteOpenRun: db.prepare<[string, string]>('DELETE FROM open_runs WHERE session = ? AND run_id = ?'),
      selectOpenRuns: db.prepare<[], { session: string; run_id: string }>('SELECT session, run_id FROM open_runs'),
      trimClientMessages: db.prepare<[string, number]>('DELETE FROM client_messages WHERE session = ? AND last_seq <= ?'),
      selectSnapshot: db.prepare<[string], { seq: number; state: string; save: string | null }>(
        'SELECT seq, state, save FROM snapshots WHERE session = ?',
      ),
      selectSnapshotParts: db.prepare<[string, string], string>('SELECT text FROM snapshot_parts WHERE session = ? AND save = ? ORDER BY part').pluck(),
      selectSnapshotSave: db.prepare<[string], { save: string | null }>('SELECT save FROM snapshots WHERE session = ?'),
      countSnapshotParts: db.prepare<[string, string], number>('SELECT count(*) FROM snapshot_parts WHERE session = ? AND save = ?').pluck(),
      insertSnapshotPart: db.prepare<[string, string, number, string]>('INSERT INTO snapshot_parts (session, save, part, text) VALUES (?, ?, ?, ?)'),
      deleteSnapshotParts: db.prepare<[string, string]>('DELETE FROM snapshot_parts WHERE session = ? AND save = ?'),
      // The offset alone: retention runs after every snapshot and must not read its megabytes of state back.
      selectSnapshotOffset: db.prepare<[string], { seq: number }>('SELECT seq FROM snapshots WHERE session = ?'),
      upsertSnapshot: db.prepare<[string, number, string, number, string | null]>(
        `INSERT INTO snapshots (session, seq, state, saved_at, save) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (session) DO UPDATE SET seq = excluded.seq, state = excluded.state, saved_at = excluded.saved_at, save = excluded.save
         WHERE excluded.seq >= snapshots.seq`,
      ),
      deleteSession: ['events', 'fences', 'client_messages', 'open_runs', 'snapshots', 'snapshot_parts', 'sessions'].map((table) =>
        db.prepare<[string]>(`DELETE FROM ${table} WHERE session = ?`),
      ),
    };
    this.writeTransaction = db.transaction(
      (batch: PendingAppend[], outcomes: (AppendResult | Error)[], stored: Map<string, SessionRecord[]>) =>
        this.writeGroup(batch, outcomes, stored),
    );
  }

  append(session: string, events: SessionEvent[], options?: AppendOptions): Promise<AppendResult> {
    try {
      this.assertOpen();
      const prepared = prepareAppend(session, events, options, this.limits);
      return new Promise((resolve, reject) => {
        this.pending.push({ prepared, resolve, reject });
        // While a WAL sync runs, appends wait for it and then go in one commit (see `flush`).
        if (!this.flushScheduled && this.unsynced.length === 0) {
          this.flushScheduled = true;
          setImmediate(() => this.flush());
        }
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async read(session: string, after: number, limit?: number): Promise<SessionRecord[]> {
    this.assertOpen();
    validateRead(session, after, limit);
    // The read itself is synchronous: start it on a fresh turn so a loop of reads cannot starve I/O.
    await nextTurn();
    return this.durableRows(session, after, limit ?? -1);
  }

  async head(session: string): Promise<SessionHead> {
    this.assertOpen();
    assertSessionId(session);
    const log = this.heads.get(session) ?? this.db.transaction(() => this.logHead(session)).immediate();
    return { epoch: log.epoch, offset: Math.min(log.head, this.durableHead(session)) };
  }

  async openRuns(): Promise<OpenRun[]> {
    this.assertOpen();
    return this.statements.selectOpenRuns.all().map((row) => ({ session: row.session, runId: row.run_id }));
  }

  async findClientMessage(session: string, clientMsgId: string): Promise<StoredClientMessage | undefined> {
    this.assertOpen();
    validateClientMessageLookup(session, clientMsgId);
    const row = this.statements.selectClientMessage.get(session, clientMsgId);
    if (!row) return undefined;
    // Stored, not yet on disk: answered once it is, as its own append will be.
    if (row.last_seq > this.durableHead(session)) await this.unsynced[this.unsynced.length - 1]?.synced.catch(() => undefined);
    return { firstOffset: row.first_seq, lastOffset: row.last_seq };
  }

  subscribe(session: string, after: number, listener: RecordListener, options?: SubscribeOptions): Subscription {
    this.assertOpen();
    const resolved = validateSubscribe(session, after, listener, options);
    const tail = new Tail(after, async (from, limit) => this.durableRows(session, from, limit), listener, resolved);
    if (resolved.epoch !== undefined && resolved.epoch !== this.statements.selectSession.get(session)?.epoch) {
      queueMicrotask(() => tail.reset());
      return tail;
    }
    this.live.add(session, tail);
    tail.start();
    return tail;
  }

  /**
   * A small state is written in one transaction. A large one is written a part per turn of the
   * event loop under a new save id, then one short transaction points the session's row at those
   * parts and drops the parts it replaces; until then loads see the previous snapshot whole.
   */
  async saveSnapshot(session: string, snapshot: StoredSnapshot): Promise<void> {
    this.assertOpen();
    const valid = validateSnapshot(session, snapshot);
    const state = storedStateJson(valid.state);
    if (state.length <= SNAPSHOT_PART_CHARS) {
      this.commitSnapshot(session, valid.offset, state, null, 0);
      return;
    }
    const save = randomUUID();
    let parts = 0;
    try {
      for (let start = 0; start < state.length; parts++) {
        await nextTurn();
        this.assertOpen();
        let end = Math.min(start + SNAPSHOT_PART_CHARS, state.length);
        // Never between the two halves of a surrogate pair: each part must be valid text on its own.
        if (end < state.length && isHighSurrogate(state.charCodeAt(end - 1))) end -= 1;
        this.statements.insertSnapshotPart.run(session, save, parts, state.slice(start, end));
        start = end;
      }
      this.commitSnapshot(session, valid.offset, '', save, parts);
    } catch (error) {
      if (!this.closed) this.statements.deleteSnapshotParts.run(session, save);
      throw error;
    }
  }

  /** Points the session's snapshot at `state` (or at the parts of `save`) unless a newer one is stored. */
  private commitSnapshot(session: string, offset: number, state: string, save: string | null, parts: number): void {
    this.db
      .transaction(() => {
        const { head } = this.logHead(session);
        if (offset > head) throw snapshotBeyondHead(offset, head);
        // The session was deleted while the parts were written: they went with it.
        if (save !== null && this.statements.countSnapshotParts.get(session, save) !== parts) {
          throw new ProtocolError('conflict', 'the session was deleted while its snapshot was saved', 'snapshot');
        }
        const replaced = this.statements.selectSnapshotSave.get(session)?.save ?? null;
        const stored = this.statements.upsertSnapshot.run(session, offset, state, Date.now(), save).changes > 0;
        // Whichever parts the row no longer names go: the replaced save's, or ours if a newer snapshot won.
        const unused = stored ? replaced : save;
        if (unused !== null) this.statements.deleteSnapshotParts.run(session, unused);
      })
      .immediate();
  }

  async loadSnapshot(session: string): Promise<StoredSnapshot | undefined> {
    this.assertOpen();
    assertSessionId(session);
    const row = this.statements.selectSnapshot.get(session);
    if (!row) return undefined;
    const state = row.save === null ? row.state : this.statements.selectSnapshotParts.all(session, row.save).join('');
    // A snapshot in parts is large: reading it took this turn, parsing it takes the next.
    if (row.save !== null) await nextTurn();
    return { offset: row.seq, state: JSON.parse(state) as StoredSnapshot['state'] };
  }

  async applyRetention(session: string, policy: RetentionPolicy): Promise<number> {
    this.assertOpen();
    const valid = validateRetention(session, policy);
    return this.db
      .transaction(() => {
        const row = this.statements.selectSession.get(session);
        if (!row) return 0;
        const { head } = this.logHead(session);
        this.statements.trimClientMessages.run(session, head - valid.clientMessageWindow);
        this.statements.trimFences.run(session, head - valid.fenceWindow);
        this.fences.get(session)?.forget(head - valid.fenceWindow);
        const snapshot = this.statements.selectSnapshotOffset.get(session);
        if (!snapshot) return 0;
        const ageCut =
          valid.maxAgeMs === undefined ? 0 : (this.statements.ageCut.get(session, Date.now() - valid.maxAgeMs)?.cut ?? 0);
        const cut = retentionCut(valid, head, snapshot.seq, ageCut);
        if (cut < row.first) return 0;
        const dropped = this.statements.trimEvents.run(session, cut).changes;
        this.statements.updateFirst.run(cut + 1, session);
        return dropped;
      })
      .immediate();
  }

  async firstOffset(session: string): Promise<number> {
    this.assertOpen();
    assertSessionId(session);
    return this.statements.selectSession.get(session)?.first ?? 1;
  }

  async delete(session: string): Promise<void> {
    this.assertOpen();
    assertSessionId(session);
    // Appends already queued belong to the old log; store them first so none lands after.
    this.flush();
    this.db
      .transaction(() => {
        for (const statement of this.statements.deleteSession) statement.run(session);
      })
      .immediate();
    this.fences.delete(session);
    this.heads.delete(session);
    // Records of the old log still waiting for their fsync are acknowledged, never delivered.
    for (const group of this.unsynced) group.stored.delete(session);
    this.live.reset(session);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    // Appends already committed are delivered and acknowledged once on disk, as they would have been.
    await this.unsynced[this.unsynced.length - 1]?.synced.catch(() => undefined);
    await this.walSync?.close();
    this.live.closeAll();
    // The checkpointer's connection closes first, so this one is the last and checkpoints the WAL away.
    await this.stopCheckpoints();
    this.db.close();
  }

  /** Commits every queued append in one transaction, then notifies subscribers and callers. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const outcomes: (AppendResult | Error)[] = new Array(batch.length);
    const stored = new Map<string, SessionRecord[]>();
    try {
      this.writeTransaction.immediate(batch, outcomes, stored);
      this.metrics.commits++;
    } catch (error) {
      // Cached fences and heads may hold what the rolled-back appends wrote; reload them on next use.
      this.fences.clear();
      this.heads.clear();
      for (const append of batch) append.reject(error);
      return;
    }
    if (this.walSync) {
      const synced = this.walSync.sync();
      const group: UnsyncedGroup = { batch, outcomes, stored, synced };
      this.unsynced.push(group);
      synced.then(
        () => {
          this.release(group);
          // Everything that arrived during the sync: one commit, one sync.
          if (this.unsynced.length === 0 && !this.closed) this.flush();
        },
        (error: unknown) => this.failSync(error),
      );
      return;
    }
    this.complete(batch, outcomes, stored);
  }

  /** The group's fsync is done, so every group committed before it is on disk too: delivered, then acknowledged, in commit order. */
  private release(group: UnsyncedGroup): void {
    const index = this.unsynced.indexOf(group);
    if (index < 0) return;
    for (const done of this.unsynced.splice(0, index + 1)) this.complete(done.batch, done.outcomes, done.stored);
  }

  /**
   * An fsync failed: what was committed may never reach the disk, and a later fsync may succeed
   * without having written it. Nothing of it is delivered; its appends and every later write fail.
   */
  private failSync(error: unknown): void {
    this.syncFailure ??= error;
    for (const group of this.unsynced.splice(0)) for (const append of group.batch) append.reject(error);
    for (const append of this.pending.splice(0)) append.reject(error);
  }

  /** Delivers a durable commit's records to subscribers, then settles its appends. */
  private complete(batch: PendingAppend[], outcomes: (AppendResult | Error)[], stored: Map<string, SessionRecord[]>): void {
    for (const [session, records] of stored) this.live.emit(session, records);
    for (const [index, append] of batch.entries()) {
      const outcome = outcomes[index]!;
      if (outcome instanceof Error) append.reject(outcome);
      else {
        if (!outcome.duplicate) this.metrics.appends++;
        append.resolve(outcome);
      }
    }
  }

  private writeGroup(batch: PendingAppend[], outcomes: (AppendResult | Error)[], stored: Map<string, SessionRecord[]>): void {
    const at = Date.now();
    const seenInGroup = new Map<string, AppendResult>();
    const { insertEvent, insertFence, insertClientMessage, selectClientMessage, insertOpenRun, deleteOpenRun } = this.statements;
    for (const [index, { prepared }] of batch.entries()) {
      const { session, clientMsgId } = prepared;
      // Moved in place: a rolled-back transaction clears every cached head (see `flush`).
      const log = this.logHead(session);
      let head = log.head;
      if (clientMsgId !== undefined) {
        const earlier = seenInGroup.get(`${session}\n${clientMsgId}`);
        if (earlier) {
          outcomes[index] = { ...earlier, duplicate: true };
          continue;
        }
        const row = selectClientMessage.get(session, clientMsgId);
        if (row) {
          const records = this.readRows(session, row.first_seq - 1, row.last_seq - row.first_seq + 1);
          outcomes[index] = { records, duplicate: true, firstOffset: row.first_seq, lastOffset: row.last_seq };
          continue;
        }
      }
      const fence = this.fenceOf(session);
      let closing: string[];
      try {
        closing = fence.check(prepared.events, prepared.kinds);
      } catch (error) {
        outcomes[index] = error as Error;
        continue;
      }
      const records: SessionRecord[] = new Array(prepared.events.length);
      for (let position = 0; position < records.length; position++) {
        const offset = head + position + 1;
        const event = prepared.events[position]!;
        insertEvent.run(session, offset, at, prepared.json[position]!);
        records[position] = storedRecord(offset, at, event, prepared.json[position]!);
        if (prepared.kinds[position] === 'run-end') deleteOpenRun.run(session, fenceTarget(event).runId);
        else if (event.type === 'brief.submitted') insertOpenRun.run(session, event.runId);
      }
      head += records.length;
      log.head = head;
      for (const key of closing) insertFence.run(session, key, head);
      fence.add(closing, head);
      if (clientMsgId !== undefined) {
        insertClientMessage.run(session, clientMsgId, records[0]!.offset, head);
        seenInGroup.set(`${session}\n${clientMsgId}`, { records, duplicate: false, firstOffset: records[0]!.offset, lastOffset: head });
      }
      const sessionRecords = stored.get(session);
      if (sessionRecords) sessionRecords.push(...records);
      else stored.set(session, records.slice());
      outcomes[index] = { records, duplicate: false, firstOffset: records[0]!.offset, lastOffset: head };
    }
  }

  /**
   * The session's epoch and head, its row created (with a new epoch) if the log does not exist
   * yet. Call inside a transaction: the row it may create must not outlive a rollback unseen.
   */
  private logHead(session: string): LogHead {
    const cached = this.heads.get(session);
    if (cached) return cached;
    const row = this.statements.selectSession.get(session);
    let log: LogHead;
    if (row) {
      // The newest stored event, or the trim point when retention dropped them all.
      const stored = this.statements.maxSeq.get(session)?.seq ?? 0;
      log = { epoch: row.epoch, head: Math.max(row.head, stored, row.first - 1) };
    } else {
      log = { epoch: randomUUID(), head: 0 };
      this.statements.insertSession.run(session, log.epoch);
    }
    if (this.heads.size >= maxCachedHeads) this.heads.delete(this.heads.keys().next().value!);
    this.heads.set(session, log);
    return log;
  }

  private fenceOf(session: string): FenceState {
    let fence = this.fences.get(session);
    if (!fence) {
      fence = new FenceState();
      for (const row of this.statements.selectFences.all(session)) fence.add([row.fence], row.seq);
      if (this.fences.size >= maxCachedFences) this.fences.delete(this.fences.keys().next().value!);
      this.fences.set(session, fence);
    }
    return fence;
  }

  /**
   * The newest offset of the session that is on disk: below the first record of the oldest
   * commit still waiting for its fsync (committed records are in the file, not yet durable).
   */
  private durableHead(session: string): number {
    for (const group of this.unsynced) {
      const records = group.stored.get(session);
      if (records) return records[0]!.offset - 1;
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Stored records a reader may see: none beyond `durableHead` (they are delivered live once on disk). */
  private durableRows(session: string, after: number, limit: number): SessionRecord[] {
    const rows = this.readRows(session, after, limit);
    if (this.unsynced.length === 0 || rows.length === 0) return rows;
    const head = this.durableHead(session);
    return rows[rows.length - 1]!.offset <= head ? rows : rows.filter((record) => record.offset <= head);
  }

  private readRows(session: string, after: number, limit: number): SessionRecord[] {
    if (this.closed) throw new StoreClosedError();
    return this.statements.readEvents
      .all(session, after, limit)
      .map((row) => readRecord(row.seq, row.at, row.event));
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
    if (this.syncFailure !== undefined) throw this.syncFailure;
  }
}
