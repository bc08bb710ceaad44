// Test helpers for the PostgreSQL store and leases: a shared admin pool, a table prefix per test
// run, and dropping what a prefix created. Imported by tests only.
import pg from 'pg';
import { randomUUID } from 'node:crypto';

/** The test database (`MT_POSTGRES_URL` overrides it; `.ci/run` creates `test`). */
export const postgresUrl = process.env.MT_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** An admin pool for assertions and clean-up. */
export const postgresAdmin = new pg.Pool({ connectionString: postgresUrl, max: 3 });
postgresAdmin.on('error', () => {});

/**
 * Whether PostgreSQL answers. In CI it must: a missing database fails the run there instead of
 * skipping the tests.
 */
export async function postgresReachable(): Promise<boolean> {
  try {
    await postgresAdmin.query('SELECT 1');
    return true;
  } catch (error) {
    if (process.env.CI) throw new Error(`PostgreSQL is required in CI (${postgresUrl})`, { cause: error });
    return false;
  }
}

/** A prefix unique to this test run: every table it creates starts with it. */
export function testRunPrefix(kind: string): string {
  return `mt_t_${kind}_${randomUUID().replaceAll('-', '').slice(0, 10)}_`;
}

/** Drops every table and function whose name starts with `prefix`. */
export async function dropPostgresTables(prefix: string): Promise<void> {
  const functions = await postgresAdmin.query<{ signature: string }>(
    `SELECT p.oid::regprocedure::text AS signature FROM pg_proc p
     WHERE p.pronamespace = current_schema()::regnamespace AND starts_with(p.proname, $1)`,
    [prefix],
  );
  for (const { signature } of functions.rows) await postgresAdmin.query(`DROP FUNCTION IF EXISTS ${signature}`);
  const found = await postgresAdmin.query<{ tablename: string }>(
    'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1)',
    [prefix],
  );
  if (found.rows.length === 0) return;
  await postgresAdmin.query(`DROP TABLE IF EXISTS ${found.rows.map((row) => pg.escapeIdentifier(row.tablename)).join(', ')}`);
}
