import type { WorkspaceDocumentInput } from '@marketing-team/core';
import type { Pool } from 'pg';
import { z } from 'zod';
import { StoreClosedError } from '../stores/session-store.js';
import { PoolSchema, TablePrefixSchema, ensureVersionedSchema, nowMs, openPostgresPool } from '../stores/_postgres-schema.js';
import { parseOptions } from '../stores/_validate.js';
import type { WorkspaceStoreMetrics } from './memory-workspace-store.js';
import {
  DEFAULT_MAX_DOCUMENT_BYTES,
  assertSession,
  assertVersion,
  assertWorkspaceId,
  etagOf,
  parseListOptions,
  parseSaveOptions,
  prepareDocument,
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

/** Options of `PostgresWorkspaceStore`. */
export interface PostgresWorkspaceStoreOptions {
  /** A `pg` pool to use (the store never ends it), e.g. the one given to `PostgresStore`. */
  pool?: Pool;
  /** Connection string when no pool is given; without one, `pg` reads the `PG*` environment variables. */
  connectionString?: string;
  /** Most connections of the pool the store opens (default 5); ignored with `pool`. */
  maxConnections?: number;
  /** Prefix of every table (default `mt_`, as `PostgresStore`, so both share one database). */
  tablePrefix?: string;
  /** Largest document, as UTF-8 JSON bytes (default 8 MiB). */
  maxDocumentBytes?: number;
}

const OptionsSchema = z.object({
  pool: PoolSchema.optional(),
  connectionString: z.string().min(1).optional(),
  maxConnections: z.number().int().min(1).max(1000).default(5),
  tablePrefix: TablePrefixSchema,
  maxDocumentBytes: z.number().int().positive().default(DEFAULT_MAX_DOCUMENT_BYTES),
});

/** Version of the workspace tables; stored in `<prefix>workspace_schema_version`. */
const workspaceSchemaVersion = 1;

interface Tables {
  schemaVersion: string;
  workspaces: string;
  versions: string;
  sessions: string;
}

function tablesOf(prefix: string): Tables {
  return {
    schemaVersion: `${prefix}workspace_schema_version`,
    workspaces: `${prefix}workspaces`,
    versions: `${prefix}workspace_versions`,
    sessions: `${prefix}session_workspaces`,
  };
}

// Tables of their own beside the session store's, with their own version: neither store reads
// the other's. Every statement below is keyed by primary key.
function schemaSql(t: Tables): string {
  return `
CREATE TABLE IF NOT EXISTS ${t.workspaces} (
  workspace text PRIMARY KEY,
  head bigint NOT NULL,
  etag text NOT NULL
);
CREATE TABLE IF NOT EXISTS ${t.versions} (
  workspace text NOT NULL,
  version bigint NOT NULL,
  etag text NOT NULL,
  hash text NOT NULL,
  saved_at bigint NOT NULL,
  saved_by text,
  rolled_back_from bigint,
  document text NOT NULL,
  PRIMARY KEY (workspace, version)
);
CREATE TABLE IF NOT EXISTS ${t.sessions} (
  session text PRIMARY KEY,
  workspace text NOT NULL
);
`;
}

interface VersionRow {
  version: string;
  etag: string;
  hash: string;
  saved_at: string;
  saved_by: string | null;
  rolled_back_from: string | null;
}
interface DocumentRow extends VersionRow {
  document: string;
}

/** How a save compares: create only, over any version, or over the version with this etag. */
type SaveMode = 'create' | 'any' | 'etag';

/**
 * A `WorkspaceStore` on PostgreSQL, in the same database as `PostgresStore` (same `tablePrefix`),
 * in tables of its own created on first use: `<prefix>workspaces` (each workspace's latest
 * version and etag), `<prefix>workspace_versions` (every immutable version) and
 * `<prefix>session_workspaces`.
 *
 * A save is one statement, so one round trip and its own transaction: it moves the head row
 * (compare-and-set on its etag, checked on the row's newest committed version after waiting for
 * its lock: an `UPDATE … WHERE etag = $` or an `INSERT … ON CONFLICT`) and inserts the version
 * from what the head returned. Of two saves from one etag, on any nodes, exactly one moves the
 * head; the other updates nothing and gets `WorkspaceConflictError`. It resolves once committed.
 * Times (`savedAt`) come from the database clock, as in `PostgresStore`.
 */
export class PostgresWorkspaceStore implements WorkspaceStore {
  readonly #options: z.output<typeof OptionsSchema>;
  readonly #tables: Tables;
  #pool: Pool | undefined;
  #ready: Promise<Pool> | undefined;
  #closed = false;
  /** Live counters (round trips to PostgreSQL); read them, do not write them. */
  readonly metrics: WorkspaceStoreMetrics = { operations: 0 };

  constructor(options: PostgresWorkspaceStoreOptions = {}) {
    this.#options = parseOptions(OptionsSchema, options, 'options');
    this.#tables = tablesOf(this.#options.tablePrefix);
  }

  async get(workspaceId: string): Promise<WorkspaceVersion | undefined> {
    this.#assertOpen();
    assertWorkspaceId(workspaceId);
    const pool = await this.#db();
    this.metrics.operations++;
    const found = await pool.query<DocumentRow>({
      name: `${this.#tables.versions}_latest`,
      text: `SELECT version, etag, hash, saved_at, saved_by, rolled_back_from, document FROM ${this.#tables.versions}
             WHERE workspace = $1 ORDER BY version DESC LIMIT 1`,
      values: [workspaceId],
    });
    return found.rows[0] && toVersion(workspaceId, found.rows[0]);
  }

  async getVersion(workspaceId: string, version: number): Promise<WorkspaceVersion | undefined> {
    this.#assertOpen();
    assertWorkspaceId(workspaceId);
    assertVersion(version);
    const row = await this.#version(workspaceId, version);
    return row && toVersion(workspaceId, row);
  }

  async listVersions(workspaceId: string, options?: ListVersionsOptions): Promise<WorkspaceVersionSummary[]> {
    this.#assertOpen();
    assertWorkspaceId(workspaceId);
    const { before, limit } = parseListOptions(options);
    const pool = await this.#db();
    this.metrics.operations++;
    const found = await pool.query<VersionRow>({
      name: `${this.#tables.versions}_list`,
      text: `SELECT version, etag, hash, saved_at, saved_by, rolled_back_from FROM ${this.#tables.versions}
             WHERE workspace = $1 AND version < $2 ORDER BY version DESC LIMIT $3`,
      values: [workspaceId, before ?? Number.MAX_SAFE_INTEGER, limit],
    });
    return found.rows.map((row) => toSummary(workspaceId, row));
  }

  async save(workspaceId: string, document: WorkspaceDocumentInput, options: SaveWorkspaceOptions): Promise<WorkspaceVersion> {
    this.#assertOpen();
    assertWorkspaceId(workspaceId);
    const { ifMatch, savedBy } = parseSaveOptions(options);
    return this.#write(workspaceId, document, ifMatch, savedBy, undefined);
  }

  async rollback(workspaceId: string, version: number, options: RollbackWorkspaceOptions = {}): Promise<WorkspaceVersion> {
    this.#assertOpen();
    assertWorkspaceId(workspaceId);
    assertVersion(version);
    const { ifMatch, savedBy } = parseSaveOptions({ ifMatch: options.ifMatch ?? '*', ...(options.savedBy ? { savedBy: options.savedBy } : {}) });
    const old = await this.#version(workspaceId, version);
    if (!old) throw new WorkspaceNotFoundError(workspaceId, version);
    return this.#write(workspaceId, JSON.parse(old.document), ifMatch, savedBy, version);
  }

  async bindSession(session: string, workspaceId: string): Promise<string> {
    this.#assertOpen();
    assertSession(session);
    assertWorkspaceId(workspaceId);
    const bound = await this.sessionWorkspace(session);
    if (bound !== undefined) return bound;
    const pool = await this.#db();
    this.metrics.operations++;
    const inserted = await pool.query<{ workspace: string }>({
      name: `${this.#tables.sessions}_bind`,
      text: `INSERT INTO ${this.#tables.sessions} (session, workspace) VALUES ($1, $2) ON CONFLICT (session) DO NOTHING RETURNING workspace`,
      values: [session, workspaceId],
    });
    if (inserted.rows[0]) return inserted.rows[0].workspace;
    // Another binding won: DO NOTHING waited for it to commit, so a new statement reads it.
    return (await this.sessionWorkspace(session))!;
  }

  async sessionWorkspace(session: string): Promise<string | undefined> {
    this.#assertOpen();
    assertSession(session);
    const pool = await this.#db();
    this.metrics.operations++;
    const found = await pool.query<{ workspace: string }>({
      name: `${this.#tables.sessions}_get`,
      text: `SELECT workspace FROM ${this.#tables.sessions} WHERE session = $1`,
      values: [session],
    });
    return found.rows[0]?.workspace;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // A setup still in flight may be about to create the pool.
    await this.#ready?.catch(() => undefined);
    if (!this.#options.pool && this.#pool) await this.#pool.end();
  }

  async #version(workspaceId: string, version: number): Promise<DocumentRow | undefined> {
    const pool = await this.#db();
    this.metrics.operations++;
    const found = await pool.query<DocumentRow>({
      name: `${this.#tables.versions}_version`,
      text: `SELECT version, etag, hash, saved_at, saved_by, rolled_back_from, document FROM ${this.#tables.versions}
             WHERE workspace = $1 AND version = $2`,
      values: [workspaceId, version],
    });
    return found.rows[0];
  }

  async #write(workspaceId: string, input: unknown, ifMatch: string | null, savedBy: string | undefined, rolledBackFrom: number | undefined): Promise<WorkspaceVersion> {
    // Validated and serialised before the statement, so the row lock is held only while it runs.
    const prepared = prepareDocument(input, this.#options.maxDocumentBytes);
    const mode: SaveMode = ifMatch === null ? 'create' : ifMatch === '*' ? 'any' : 'etag';
    const pool = await this.#db();
    this.metrics.operations++;
    const stored = await pool.query<{ version: string; etag: string; saved_at: string }>({
      name: `${this.#tables.versions}_save_${mode}`,
      text: this.#saveSql(mode),
      values: [workspaceId, etagOf(0, prepared.hash).slice(2), prepared.hash, savedBy ?? null, rolledBackFrom ?? null, prepared.json, ...(mode === 'etag' ? [ifMatch] : [])],
    });
    const row = stored.rows[0];
    if (!row) {
      // Refused. The statement waited for whichever save held the row, so this reads its commit.
      this.metrics.operations++;
      const head = await pool.query<{ head: string; etag: string }>({
        name: `${this.#tables.workspaces}_head`,
        text: `SELECT head, etag FROM ${this.#tables.workspaces} WHERE workspace = $1`,
        values: [workspaceId],
      });
      const current = head.rows[0];
      throw new WorkspaceConflictError(workspaceId, current && Number(current.head), current?.etag);
    }
    return {
      workspaceId,
      version: Number(row.version),
      etag: row.etag,
      hash: prepared.hash,
      savedAt: Number(row.saved_at),
      ...(savedBy !== undefined ? { savedBy } : {}),
      ...(rolledBackFrom !== undefined ? { rolledBackFrom } : {}),
      document: prepared.document,
    };
  }

  /**
   * The save statement of one mode. `$1` workspace, `$2` the etag's hash part, `$3` hash, `$4`
   * saved by, `$5` rolled back from, `$6` document, `$7` (etag mode) the etag to match. The head
   * moves first; the version row is inserted only from the head row it returned, so a refused
   * save writes nothing and returns no row.
   */
  #saveSql(mode: SaveMode): string {
    const t = this.#tables;
    const bump = {
      create: `INSERT INTO ${t.workspaces} (workspace, head, etag) VALUES ($1, 1, '1-' || $2::text)
               ON CONFLICT (workspace) DO NOTHING RETURNING head, etag`,
      any: `INSERT INTO ${t.workspaces} AS w (workspace, head, etag) VALUES ($1, 1, '1-' || $2::text)
            ON CONFLICT (workspace) DO UPDATE SET head = w.head + 1, etag = (w.head + 1)::text || '-' || $2::text RETURNING head, etag`,
      etag: `UPDATE ${t.workspaces} SET head = head + 1, etag = (head + 1)::text || '-' || $2::text
             WHERE workspace = $1 AND etag = $7::text RETURNING head, etag`,
    }[mode];
    return `WITH bumped AS (${bump})
            INSERT INTO ${t.versions} (workspace, version, etag, hash, saved_at, saved_by, rolled_back_from, document)
            SELECT $1, head, etag, $3::text, ${nowMs}, $4::text, $5::bigint, $6::text FROM bumped
            RETURNING version, etag, saved_at`;
  }

  /** The pool, once the tables exist; a failed setup is retried by the next call. */
  #db(): Promise<Pool> {
    if (this.#closed) return Promise.reject(new StoreClosedError());
    this.#ready ??= (async () => {
      let pool = this.#options.pool ?? this.#pool;
      if (!pool) {
        pool = this.#pool = await openPostgresPool({
          connectionString: this.#options.connectionString,
          max: this.#options.maxConnections,
          keepAlive: true,
        });
        // An idle connection that dies (a restart, a terminated backend) is dropped by the pool;
        // without a listener the error would crash the process.
        pool.on('error', () => {});
      }
      const t = this.#tables;
      await ensureVersionedSchema(pool, {
        lockKey: `marketing-team workspaces ${this.#options.tablePrefix}`,
        sql: schemaSql(t),
        versionTable: t.schemaVersion,
        version: workspaceSchemaVersion,
      });
      return pool;
    })().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }
}

function toSummary(workspaceId: string, row: VersionRow): WorkspaceVersionSummary {
  return {
    workspaceId,
    version: Number(row.version),
    etag: row.etag,
    hash: row.hash,
    savedAt: Number(row.saved_at),
    ...(row.saved_by !== null ? { savedBy: row.saved_by } : {}),
    ...(row.rolled_back_from !== null ? { rolledBackFrom: Number(row.rolled_back_from) } : {}),
  };
}

function toVersion(workspaceId: string, row: DocumentRow): WorkspaceVersion {
  return { ...toSummary(workspaceId, row), document: JSON.parse(row.document) as WorkspaceVersion['document'] };
}
