import type { WorkspaceDocumentInput } from '@marketing-team/core';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { StoreClosedError } from '../stores/session-store.js';
import { parseOptions } from '../stores/_validate.js';
import type { WorkspaceStoreMetrics } from './memory-workspace-store.js';
import {
  DEFAULT_MAX_DOCUMENT_BYTES,
  assertSession,
  assertVersion,
  assertWorkspaceId,
  etagOf,
  ifMatchAllows,
  parseListOptions,
  parseSaveOptions,
  prepareDocument,
  summaryOf,
} from './_workspace-records.js';
import {
  WorkspaceConflictError,
  WorkspaceNotFoundError,
  type ListVersionsOptions,
  type RollbackWorkspaceOptions,
  type SaveWorkspaceOptions,
  type WorkspaceStore,
  type WorkspaceVersion,
  type WorkspaceVersionSummary,
} from './workspace-store.js';

/** Options of `SqliteWorkspaceStore`. */
export interface SqliteWorkspaceStoreOptions {
  /**
   * Database file: use the `path` of the `SqliteStore` holding the sessions, so a workspace and
   * its sessions live (and are backed up) together. `:memory:` for a private in-memory database.
   */
  path: string;
  /** Durability of each commit, as in `SqliteStore` (default `full`). */
  synchronous?: 'full' | 'normal' | 'off';
  /** How long to wait for a lock held by another connection (the session store's), in ms (default 5000). */
  busyTimeoutMs?: number;
  /** Largest document, as UTF-8 JSON bytes (default 8 MiB). */
  maxDocumentBytes?: number;
}

const OptionsSchema = z.object({
  path: z.string().min(1),
  synchronous: z.enum(['full', 'normal', 'off']).default('full'),
  busyTimeoutMs: z.number().int().nonnegative().default(5000),
  maxDocumentBytes: z.number().int().positive().default(DEFAULT_MAX_DOCUMENT_BYTES),
});

// Tables of their own beside the session store's: neither store reads the other's, and the
// session store's `user_version` is left to it. Every statement below is keyed by primary key.
const schema = `
CREATE TABLE IF NOT EXISTS workspaces (
  workspace TEXT PRIMARY KEY,
  head INTEGER NOT NULL,
  etag TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS workspace_versions (
  workspace TEXT NOT NULL,
  version INTEGER NOT NULL,
  etag TEXT NOT NULL,
  hash TEXT NOT NULL,
  saved_at INTEGER NOT NULL,
  saved_by TEXT,
  rolled_back_from INTEGER,
  document TEXT NOT NULL,
  PRIMARY KEY (workspace, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS session_workspaces (
  session TEXT PRIMARY KEY,
  workspace TEXT NOT NULL
) WITHOUT ROWID;
`;

interface VersionRow {
  version: number;
  etag: string;
  hash: string;
  saved_at: number;
  saved_by: string | null;
  rolled_back_from: number | null;
}
interface DocumentRow extends VersionRow {
  document: string;
}

/**
 * The embedded default `WorkspaceStore`: tables in the same SQLite file as the sessions
 * (`SqliteStore`), through a connection of its own (WAL mode lets both write the file in turn).
 * A save is one IMMEDIATE transaction: read the head, compare the etag, insert the version, move
 * the head; so concurrent saves, from this process or another, cannot both pass one `ifMatch`.
 */
export class SqliteWorkspaceStore implements WorkspaceStore {
  private readonly db: Database.Database;
  private readonly maxDocumentBytes: number;
  private readonly statements;
  private closed = false;
  /** Live counters; read them, do not write them. */
  readonly metrics: WorkspaceStoreMetrics = { operations: 0 };

  constructor(options: SqliteWorkspaceStoreOptions) {
    const parsed = parseOptions(OptionsSchema, options, 'options');
    this.maxDocumentBytes = parsed.maxDocumentBytes;
    if (parsed.path !== ':memory:') mkdirSync(dirname(parsed.path), { recursive: true });
    this.db = new Database(parsed.path, { timeout: parsed.busyTimeoutMs });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${parsed.synchronous.toUpperCase()}`);
    this.db.exec(schema);
    const db = this.db;
    const columns = 'version, etag, hash, saved_at, saved_by, rolled_back_from';
    this.statements = {
      head: db.prepare<[string], { head: number; etag: string }>('SELECT head, etag FROM workspaces WHERE workspace = ?'),
      latest: db.prepare<[string], DocumentRow>(
        `SELECT ${columns}, document FROM workspace_versions WHERE workspace = ? ORDER BY version DESC LIMIT 1`,
      ),
      version: db.prepare<[string, number], DocumentRow>(`SELECT ${columns}, document FROM workspace_versions WHERE workspace = ? AND version = ?`),
      list: db.prepare<[string, number, number], VersionRow>(
        `SELECT ${columns} FROM workspace_versions WHERE workspace = ? AND version < ? ORDER BY version DESC LIMIT ?`,
      ),
      insertVersion: db.prepare<[string, number, string, string, number, string | null, number | null, string]>(
        'INSERT INTO workspace_versions (workspace, version, etag, hash, saved_at, saved_by, rolled_back_from, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      upsertHead: db.prepare<[string, number, string]>(
        'INSERT INTO workspaces (workspace, head, etag) VALUES (?, ?, ?) ON CONFLICT (workspace) DO UPDATE SET head = excluded.head, etag = excluded.etag',
      ),
      bindSession: db.prepare<[string, string]>('INSERT OR IGNORE INTO session_workspaces (session, workspace) VALUES (?, ?)'),
      sessionWorkspace: db.prepare<[string], { workspace: string }>('SELECT workspace FROM session_workspaces WHERE session = ?'),
    };
  }

  /** `EXPLAIN QUERY PLAN` of every statement, for tests that check no statement scans a table. */
  queryPlans(): Record<string, string[]> {
    const plans: Record<string, string[]> = {};
    for (const [name, statement] of Object.entries(this.statements)) {
      const rows = this.db.prepare(`EXPLAIN QUERY PLAN ${statement.source}`).all(...statement.source.split('?').slice(1).map(() => null)) as { detail: string }[];
      plans[name] = rows.map((row) => row.detail);
    }
    return plans;
  }

  async get(workspaceId: string): Promise<WorkspaceVersion | undefined> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    this.metrics.operations++;
    const row = this.statements.latest.get(workspaceId);
    return row && this.toVersion(workspaceId, row);
  }

  async getVersion(workspaceId: string, version: number): Promise<WorkspaceVersion | undefined> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    assertVersion(version);
    this.metrics.operations++;
    const row = this.statements.version.get(workspaceId, version);
    return row && this.toVersion(workspaceId, row);
  }

  async listVersions(workspaceId: string, options?: ListVersionsOptions): Promise<WorkspaceVersionSummary[]> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    const { before, limit } = parseListOptions(options);
    this.metrics.operations++;
    return this.statements.list.all(workspaceId, before ?? Number.MAX_SAFE_INTEGER, limit).map((row) => summaryOf(this.toSummary(workspaceId, row)));
  }

  async save(workspaceId: string, document: WorkspaceDocumentInput, options: SaveWorkspaceOptions): Promise<WorkspaceVersion> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    const { ifMatch, savedBy } = parseSaveOptions(options);
    return this.write(workspaceId, document, ifMatch, savedBy, undefined);
  }

  async rollback(workspaceId: string, version: number, options: RollbackWorkspaceOptions = {}): Promise<WorkspaceVersion> {
    this.assertOpen();
    assertWorkspaceId(workspaceId);
    assertVersion(version);
    const { ifMatch, savedBy } = parseSaveOptions({ ifMatch: options.ifMatch ?? '*', ...(options.savedBy ? { savedBy: options.savedBy } : {}) });
    this.metrics.operations++;
    const old = this.statements.version.get(workspaceId, version);
    if (!old) throw new WorkspaceNotFoundError(workspaceId, version);
    return this.write(workspaceId, JSON.parse(old.document), ifMatch, savedBy, version);
  }

  async bindSession(session: string, workspaceId: string): Promise<string> {
    this.assertOpen();
    assertSession(session);
    assertWorkspaceId(workspaceId);
    this.metrics.operations += 2;
    return this.db
      .transaction(() => {
        this.statements.bindSession.run(session, workspaceId);
        return this.statements.sessionWorkspace.get(session)!.workspace;
      })
      .immediate();
  }

  async sessionWorkspace(session: string): Promise<string | undefined> {
    this.assertOpen();
    assertSession(session);
    this.metrics.operations++;
    return this.statements.sessionWorkspace.get(session)?.workspace;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private write(workspaceId: string, input: unknown, ifMatch: string | null, savedBy: string | undefined, rolledBackFrom: number | undefined): WorkspaceVersion {
    // validated and serialised outside the transaction, so the write lock is held only for the three statements
    const prepared = prepareDocument(input, this.maxDocumentBytes);
    const savedAt = Date.now();
    this.metrics.operations += 3;
    const version = this.db
      .transaction(() => {
        const head = this.statements.head.get(workspaceId);
        if (!ifMatchAllows(ifMatch, head?.etag)) throw new WorkspaceConflictError(workspaceId, head?.head, head?.etag);
        const next = (head?.head ?? 0) + 1;
        const etag = etagOf(next, prepared.hash);
        this.statements.insertVersion.run(workspaceId, next, etag, prepared.hash, savedAt, savedBy ?? null, rolledBackFrom ?? null, prepared.json);
        this.statements.upsertHead.run(workspaceId, next, etag);
        return { version: next, etag };
      })
      .immediate();
    return {
      workspaceId,
      ...version,
      hash: prepared.hash,
      savedAt,
      ...(savedBy !== undefined ? { savedBy } : {}),
      ...(rolledBackFrom !== undefined ? { rolledBackFrom } : {}),
      document: prepared.document,
    };
  }

  private toSummary(workspaceId: string, row: VersionRow): WorkspaceVersionSummary {
    return {
      workspaceId,
      version: row.version,
      etag: row.etag,
      hash: row.hash,
      savedAt: row.saved_at,
      ...(row.saved_by !== null ? { savedBy: row.saved_by } : {}),
      ...(row.rolled_back_from !== null ? { rolledBackFrom: row.rolled_back_from } : {}),
    };
  }

  private toVersion(workspaceId: string, row: DocumentRow): WorkspaceVersion {
    return { ...this.toSummary(workspaceId, row), document: JSON.parse(row.document) as WorkspaceVersion['document'] };
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}
