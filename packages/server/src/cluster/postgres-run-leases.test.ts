import { afterAll, describe, expect, it } from 'vitest';
import {
  dropPostgresTables,
  postgresAdmin,
  postgresReachable,
  postgresUrl,
  testRunPrefix,
} from '../stores/_postgres-test-database.js';
import { PostgresStore } from '../stores/postgres-store.js';
import { PostgresRunLeases } from './postgres-run-leases.js';
import { describeRunLeasesConformance } from './run-leases-conformance.js';

const reachable = await postgresReachable();
// One prefix for the file: the store and the leases share it, as in production.
const prefix = testRunPrefix('lease');
const table = `${prefix}run_leases`;

afterAll(async () => {
  await dropPostgresTables(prefix);
  await postgresAdmin.end();
});

// Skipped only on a machine without PostgreSQL on 127.0.0.1:5432; in CI (CI set) an unreachable
// database fails the run instead (see postgresReachable).
describe.skipIf(!reachable)('PostgreSQL', () => {
  describeRunLeasesConformance('PostgresRunLeases', {
    store: () => new PostgresStore({ connectionString: postgresUrl, tablePrefix: prefix }),
    unmanaged: (options) => new PostgresRunLeases({ connectionString: postgresUrl, tablePrefix: prefix, ...options }),
    takeOver: async (session, runId, holder) => {
      await postgresAdmin.query(`UPDATE ${table} SET holder = $2 WHERE member = $1`, [`${session}/${runId}`, holder]);
    },
    listedLive: async (session, runId) => {
      const found = await postgresAdmin.query<{ listed: boolean }>(`SELECT listed FROM ${table} WHERE member = $1`, [`${session}/${runId}`]);
      return found.rows[0]?.listed ?? false;
    },
  });

  it('refuses a table prefix that is not a plain identifier', () => {
    const store = new PostgresStore({ connectionString: postgresUrl, tablePrefix: prefix });
    expect(() => new PostgresRunLeases({ store, tablePrefix: 'a{b}' })).toThrow(/tablePrefix/);
    return store.close();
  });
});
