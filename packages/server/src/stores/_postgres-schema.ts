import type { Pool, PoolClient, PoolConfig } from 'pg';
import { z } from 'zod';

/** Version of the tables below; stored in `<prefix>schema_version`. */
export const postgresSchemaVersion = 1;

/**
 * Table prefixes become part of SQL identifiers, so they are restricted to characters that need
 * no quoting, and kept short enough for the longest table name to fit in 63 bytes.
 */
export const TablePrefixSchema = z
  .string()
  .max(40)
  .regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits and "_", not starting with a digit')
  .default('mt_');

/** A caller's `pg.Pool`, checked by shape so `pg` need not be loaded to validate options. */
export const PoolSchema = z.custom<Pool>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Pool).connect === 'function' &&
    typeof (value as Pool).query === 'function',
  'expected a pg Pool',
);

/** Server time in milliseconds: one clock for every node, so ages and expiries ignore node skew. */
export const nowMs = `(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

/** The tables of one prefix. */
export interface PostgresTables {
  schemaVersion: string;
  sessions: string;
  events: string;
  fences: string;
  clientMessages: string;
  openRuns: string;
  snapshots: string;
  runLeases: string;
  /** The NOTIFY channel carrying `(session, epoch, offsets)` of each commit. */
  channel: string;
}

/** Names of the tables (and the notification channel) under `prefix`. */
export function postgresTables(prefix: string): PostgresTables {
  return {
    schemaVersion: `${prefix}schema_version`,
    sessions: `${prefix}sessions`,
    events: `${prefix}events`,
    fences: `${prefix}fences`,
    clientMessages: `${prefix}client_messages`,
    openRuns: `${prefix}open_runs`,
    snapshots: `${prefix}snapshots`,
    runLeases: `${prefix}run_leases`,
    channel: `${prefix}events`,
  };
}

function schemaSql(t: PostgresTables): string {
  return `
CREATE TABLE IF NOT EXISTS ${t.schemaVersion} (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version integer NOT NULL
);
CREATE TABLE IF NOT EXISTS ${t.sessions} (
  session text PRIMARY KEY,
  epoch text NOT NULL,
  head bigint NOT NULL,
  first bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS ${t.events} (
  session text NOT NULL,
  seq bigint NOT NULL,
  at bigint NOT NULL,
  event text NOT NULL,
  PRIMARY KEY (session, seq)
);
CREATE TABLE IF NOT EXISTS ${t.fences} (
  session text NOT NULL,
  fence text NOT NULL,
  PRIMARY KEY (session, fence)
);
CREATE TABLE IF NOT EXISTS ${t.clientMessages} (
  session text NOT NULL,
  client_msg_id text NOT NULL,
  first_seq bigint NOT NULL,
  last_seq bigint NOT NULL,
  PRIMARY KEY (session, client_msg_id)
);
CREATE TABLE IF NOT EXISTS ${t.openRuns} (
  session text NOT NULL,
  run_id text NOT NULL,
  PRIMARY KEY (session, run_id)
);
CREATE TABLE IF NOT EXISTS ${t.snapshots} (
  session text PRIMARY KEY,
  seq bigint NOT NULL,
  state text NOT NULL,
  saved_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS ${t.runLeases} (
  member text PRIMARY KEY,
  holder text NOT NULL,
  expires_at bigint NOT NULL,
  listed boolean NOT NULL
);
CREATE INDEX IF NOT EXISTS ${t.runLeases}_listed ON ${t.runLeases} (expires_at) WHERE listed;
`;
}

/**
 * Creates the tables of `prefix` if missing and checks their version. Runs under a transaction
 * advisory lock keyed by the prefix: `CREATE TABLE IF NOT EXISTS` is not safe against itself
 * (two nodes starting together can both try to create the same type), the lock makes them take turns.
 */
export async function ensurePostgresSchema(pool: Pool, prefix: string): Promise<void> {
  const tables = postgresTables(prefix);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`marketing-team schema ${prefix}`]);
    await client.query(schemaSql(tables));
    const found = await client.query<{ version: number }>(`SELECT version FROM ${tables.schemaVersion}`);
    const version = found.rows[0]?.version;
    if (version !== undefined && version > postgresSchemaVersion) {
      throw new Error(`${tables.schemaVersion}: written by a newer version (schema ${version} > ${postgresSchemaVersion})`);
    }
    if (version === undefined) {
      await client.query(`INSERT INTO ${tables.schemaVersion} (version) VALUES ($1)`, [postgresSchemaVersion]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await rollback(client).catch((failure: unknown) => {
      broken = failure instanceof Error ? failure : new Error(String(failure));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Rolls back, for use in `catch`; a connection whose rollback fails must be discarded. */
export async function rollback(client: PoolClient): Promise<void> {
  await client.query('ROLLBACK');
}

/**
 * Opens a pool, loading `pg` (an optional peer dependency) only now, so a missing driver fails
 * with what to install rather than at import.
 */
export async function openPostgresPool(config: PoolConfig): Promise<Pool> {
  let driver: typeof import('pg');
  try {
    driver = await import('pg');
  } catch (error) {
    throw new Error(`PostgreSQL needs the pg package (npm install pg): ${error instanceof Error ? error.message : String(error)}`);
  }
  return new driver.Pool(config);
}

/**
 * The pool of a PostgreSQL store or lease table, ready on first use with the tables created: the
 * host's pool, or one opened from the connection string (and ended by `end`). A failed setup is
 * retried by the next call.
 */
export class LazyPostgresPool {
  readonly #options: { pool?: Pool | undefined; connectionString?: string | undefined; tablePrefix: string; maxConnections: number };
  #opened: Pool | undefined;
  #ready: Promise<Pool> | undefined;

  constructor(options: { pool?: Pool | undefined; connectionString?: string | undefined; tablePrefix: string; maxConnections: number }) {
    this.#options = options;
  }

  /** Whether a setup was ever started (so there may be a connection to use). */
  get started(): boolean {
    return this.#ready !== undefined;
  }

  pool(): Promise<Pool> {
    this.#ready ??= (async () => {
      let pool = this.#options.pool ?? this.#opened;
      if (!pool) {
        pool = this.#opened = await openPostgresPool({
          connectionString: this.#options.connectionString,
          max: this.#options.maxConnections,
          keepAlive: true,
        });
        // An idle connection that dies (a restart, a terminated backend) is dropped by the pool;
        // without a listener the error would crash the process.
        pool.on('error', () => {});
      }
      await ensurePostgresSchema(pool, this.#options.tablePrefix);
      return pool;
    })().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /** Waits for a setup in flight (it may be about to open the pool), then ends the pool it opened. */
  async end(): Promise<void> {
    await this.#ready?.catch(() => undefined);
    if (this.#opened) await this.#opened.end();
  }
}
