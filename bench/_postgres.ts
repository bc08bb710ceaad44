// What the PostgreSQL benches share: dropping every table and function a table prefix created.
import pg from 'pg';

/** The database the benches use (MT_POSTGRES_URL, default the local `test` database). */
export const postgresUrl = process.env.MT_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Drops the tables and functions (the session store's append functions) whose names start with `prefix`. */
export async function dropPostgresPrefix(db: pg.Pool | pg.Client, prefix: string): Promise<void> {
  const functions = await db.query<{ signature: string }>(
    `SELECT p.oid::regprocedure::text AS signature FROM pg_proc p
     WHERE p.pronamespace = current_schema()::regnamespace AND starts_with(p.proname, $1)`,
    [prefix],
  );
  for (const { signature } of functions.rows) await db.query(`DROP FUNCTION IF EXISTS ${signature}`);
  const tables = await db.query<{ tablename: string }>(
    'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1)',
    [prefix],
  );
  if (tables.rows.length > 0) await db.query(`DROP TABLE ${tables.rows.map((row) => pg.escapeIdentifier(row.tablename)).join(', ')}`);
}
