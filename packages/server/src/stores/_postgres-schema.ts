import type { Pool, PoolClient, PoolConfig } from 'pg';
import { z } from 'zod';

/** Version of the tables below; stored in `<prefix>schema_version`. */
export const postgresSchemaVersion = 2;

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
  /**
   * The server-side function that stores one append in one statement (see `appendFunctionSql`).
   * Its name carries its own version, so nodes of different releases sharing the tables each
   * call the definition they were written for: a change of its body or signature needs a new name.
   */
  appendFunction: string;
  /** Calls `appendFunction` for each append of a batch, in order, in one statement (same versioning). */
  appendBatchFunction: string;
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
    appendFunction: `${prefix}append_events_v1`,
    appendBatchFunction: `${prefix}append_batch_v1`,
    channel: `${prefix}events`,
  };
}

function schemaSql(t: PostgresTables): string {
  return `
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
  seq bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (session, fence)
);
-- Schema 1 kept no offset per fence: its fences count from each session's head at the upgrade,
-- so they are kept a whole fence window from then on.
DO $fence_offsets$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${t.fences}'::regclass AND attname = 'seq' AND NOT attisdropped) THEN
    ALTER TABLE ${t.fences} ADD COLUMN seq bigint NOT NULL DEFAULT 0;
    UPDATE ${t.fences} f SET seq = s.head FROM ${t.sessions} s WHERE s.session = f.session;
  END IF;
END $fence_offsets$;
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
${appendFunctionSql(t)}
`;
}

/**
 * One append as one statement, so it costs one round trip (and runs as its own transaction);
 * the batch function runs several, in the order given, in one statement and one commit.
 * A PL/pgSQL function, not a CTE: a single statement reads everything under the snapshot taken
 * when it started, before it waited for the session row's lock, so it would miss the fences and
 * client message ids the writer ahead of it committed. In a VOLATILE function under READ
 * COMMITTED each statement takes a fresh snapshot, so the lookups after `FOR UPDATE` see every
 * earlier writer's commit, as the separate statements of a client-side transaction did.
 *
 * Steps: lock (or create) the head row, which serialises writers of the session on every node;
 * answer a known client message id with its stored offsets and records; refuse (storing nothing)
 * if the caller found the append fences itself or any of `p_check` is fenced, returning those;
 * otherwise move the head, insert the events, fences, open runs and client message id, and queue
 * the notification, which PostgreSQL delivers only once the transaction committed.
 */
function appendFunctionSql(t: PostgresTables): string {
  return `
CREATE OR REPLACE FUNCTION ${t.appendFunction}(
  p_session text, p_epoch text, p_events text[], p_check text[], p_refused boolean,
  p_closing text[], p_ended text[], p_opened text[], p_client_msg_id text, p_channel text,
  OUT o_outcome text, OUT o_epoch text, OUT o_first bigint, OUT o_last bigint, OUT o_at bigint,
  OUT o_fenced text[], OUT o_seqs bigint[], OUT o_ats bigint[], OUT o_events text[]
) LANGUAGE plpgsql VOLATILE AS $append$
DECLARE
  v_head bigint;
BEGIN
  LOOP
    SELECT s.epoch, s.head INTO o_epoch, v_head FROM ${t.sessions} s WHERE s.session = p_session FOR UPDATE;
    EXIT WHEN FOUND;
    -- A log nobody wrote holds no fence and no client message: a refused append creates nothing.
    IF p_refused THEN
      o_outcome := 'fenced';
      o_fenced := '{}';
      RETURN;
    END IF;
    INSERT INTO ${t.sessions} (session, epoch, head, first) VALUES (p_session, p_epoch, 0, 1) ON CONFLICT (session) DO NOTHING;
  END LOOP;
  IF p_client_msg_id IS NOT NULL THEN
    SELECT m.first_seq, m.last_seq INTO o_first, o_last FROM ${t.clientMessages} m
      WHERE m.session = p_session AND m.client_msg_id = p_client_msg_id;
    IF FOUND THEN
      o_outcome := 'duplicate';
      SELECT array_agg(e.seq ORDER BY e.seq), array_agg(e.at ORDER BY e.seq), array_agg(e.event ORDER BY e.seq)
        INTO o_seqs, o_ats, o_events
        FROM ${t.events} e WHERE e.session = p_session AND e.seq BETWEEN o_first AND o_last;
      RETURN;
    END IF;
  END IF;
  o_fenced := ARRAY(SELECT f.fence FROM ${t.fences} f WHERE f.session = p_session AND f.fence = ANY(p_check));
  IF p_refused OR cardinality(o_fenced) > 0 THEN
    o_outcome := 'fenced';
    RETURN;
  END IF;
  o_first := v_head + 1;
  o_last := v_head + cardinality(p_events);
  o_at := ${nowMs};
  UPDATE ${t.sessions} SET head = o_last WHERE session = p_session;
  INSERT INTO ${t.events} (session, seq, at, event)
    SELECT p_session, v_head + e.ord, o_at, e.json FROM unnest(p_events) WITH ORDINALITY AS e(json, ord);
  IF cardinality(p_closing) > 0 THEN
    INSERT INTO ${t.fences} (session, fence, seq) SELECT p_session, f, o_last FROM unnest(p_closing) AS f ON CONFLICT DO NOTHING;
  END IF;
  IF cardinality(p_ended) > 0 THEN
    DELETE FROM ${t.openRuns} WHERE session = p_session AND run_id = ANY(p_ended);
  END IF;
  IF cardinality(p_opened) > 0 THEN
    INSERT INTO ${t.openRuns} (session, run_id) SELECT p_session, r FROM unnest(p_opened) AS r ON CONFLICT DO NOTHING;
  END IF;
  IF p_client_msg_id IS NOT NULL THEN
    INSERT INTO ${t.clientMessages} (session, client_msg_id, first_seq, last_seq) VALUES (p_session, p_client_msg_id, o_first, o_last);
  END IF;
  PERFORM pg_notify(p_channel, json_build_object('s', p_session, 'e', o_epoch, 'f', o_first, 'o', o_last)::text);
  o_outcome := 'stored';
END
$append$;

CREATE OR REPLACE FUNCTION ${t.appendBatchFunction}(p_appends json, p_channel text)
RETURNS TABLE (
  b_index bigint, b_outcome text, b_epoch text, b_first bigint, b_last bigint, b_at bigint,
  b_fenced text[], b_seqs bigint[], b_ats bigint[], b_events text[]
) LANGUAGE plpgsql VOLATILE AS $batch$
DECLARE
  v_item record;
  v_result record;
BEGIN
  FOR v_item IN SELECT a.x, a.i FROM json_array_elements(p_appends) WITH ORDINALITY AS a(x, i) ORDER BY a.i LOOP
    SELECT * INTO v_result FROM ${t.appendFunction}(
      v_item.x->>'s',
      v_item.x->>'e',
      ARRAY(SELECT e.v FROM json_array_elements_text(v_item.x->'v') WITH ORDINALITY AS e(v, n) ORDER BY e.n),
      ARRAY(SELECT json_array_elements_text(v_item.x->'c')),
      (v_item.x->>'r')::boolean,
      ARRAY(SELECT json_array_elements_text(v_item.x->'x')),
      ARRAY(SELECT json_array_elements_text(v_item.x->'d')),
      ARRAY(SELECT json_array_elements_text(v_item.x->'o')),
      v_item.x->>'m',
      p_channel
    );
    b_index := v_item.i;
    b_outcome := v_result.o_outcome;
    b_epoch := v_result.o_epoch;
    b_first := v_result.o_first;
    b_last := v_result.o_last;
    b_at := v_result.o_at;
    b_fenced := v_result.o_fenced;
    b_seqs := v_result.o_seqs;
    b_ats := v_result.o_ats;
    b_events := v_result.o_events;
    RETURN NEXT;
  END LOOP;
END
$batch$;`;
}

/**
 * Creates the tables of `prefix` if missing and checks their version. Runs under a transaction
 * advisory lock keyed by the prefix: `CREATE TABLE IF NOT EXISTS` is not safe against itself
 * (two nodes starting together can both try to create the same type), the lock makes them take turns.
 */
export async function ensurePostgresSchema(pool: Pool, prefix: string): Promise<void> {
  const tables = postgresTables(prefix);
  await ensureVersionedSchema(pool, {
    lockKey: `marketing-team schema ${prefix}`,
    sql: schemaSql(tables),
    versionTable: tables.schemaVersion,
    version: postgresSchemaVersion,
  });
}

/** What `ensureVersionedSchema` creates: a set of tables with the version recorded beside them. */
export interface VersionedSchema {
  /** Key of the advisory lock the creation runs under (one per prefix and set of tables). */
  lockKey: string;
  /** Idempotent DDL (`CREATE … IF NOT EXISTS`, `CREATE OR REPLACE`). */
  sql: string;
  /** A singleton table holding the version, created here. */
  versionTable: string;
  version: number;
}

/**
 * Runs idempotent DDL in one transaction under an advisory lock and records its version, refusing
 * tables written by a newer release. Shared by the session tables and the workspace tables, which
 * keep their own versions so each can change without the other.
 */
export async function ensureVersionedSchema(pool: Pool, schema: VersionedSchema): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [schema.lockKey]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema.versionTable} (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      version integer NOT NULL
    );
    ${schema.sql}`);
    const found = await client.query<{ version: number }>(`SELECT version FROM ${schema.versionTable}`);
    const version = found.rows[0]?.version;
    if (version !== undefined && version > schema.version) {
      throw new Error(`${schema.versionTable}: written by a newer version (schema ${version} > ${schema.version})`);
    }
    if (version === undefined) {
      await client.query(`INSERT INTO ${schema.versionTable} (version) VALUES ($1)`, [schema.version]);
    } else if (version < schema.version) {
      // The DDL above upgraded the tables (each change is idempotent): record that they are current.
      await client.query(`UPDATE ${schema.versionTable} SET version = $1`, [schema.version]);
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
