import type { Pool } from 'pg';
import { z } from 'zod';
import { LazyPostgresPool, PoolSchema, TablePrefixSchema, nowMs, postgresTables } from '../stores/_postgres-schema.js';
import type { HeldLease } from './_held-lease.js';
import { RunLeaseManager, parseLeaseOptions, runLeaseTimingShape } from './_run-lease-manager.js';
import type { RunLeaseTimingOptions } from './run-leases.js';

/** Options of {@link PostgresRunLeases}. */
export interface PostgresRunLeasesOptions extends RunLeaseTimingOptions {
  /** A `pg` pool to use (never ended by this class); else one is opened from `connectionString`. */
  pool?: Pool;
  /** Connection string when no pool is given; without one `pg` reads the `PG*` environment variables. */
  connectionString?: string;
  /** Prefix of the lease table (default `mt_`, the same as `PostgresStore`'s). */
  tablePrefix?: string;
}

const OptionsSchema = z.object({
  ...runLeaseTimingShape,
  pool: PoolSchema.optional(),
  connectionString: z.string().min(1).optional(),
  tablePrefix: TablePrefixSchema,
});

/** The holder of an interrupted run's lease while its tombstone lasts. */
const TOMBSTONE = 'ended';

/**
 * Run ownership across server nodes on PostgreSQL, with the semantics of `RedisRunLeases`: the
 * node that launches a run holds a lease row (`<tablePrefix>run_leases`: holder and expiry),
 * renewed every third of its ttl by one compare-and-extend `UPDATE` for all the node's leases,
 * and given back with compare-and-delete once the run's terminal event is stored.
 *
 * A lease is taken by an upsert that only overwrites an expired row, so one node holds it at a
 * time. Rows of live leases are flagged `listed`; each node sweeps listed rows whose expiry has
 * passed: such a run is claimed (the same upsert, so one node does it), re-read from the log
 * and, if it has not ended, recorded as `run.interrupted`, which fences it. The row then stays
 * marked `ended` for `tombstoneMs`, so a late launch cannot take the run. Expiries are on the
 * database clock, so clock skew between nodes cannot make a lease look expired. A node that
 * finds its own lease gone (or possibly expired) aborts the run's signal and refuses its appends.
 */
export class PostgresRunLeases extends RunLeaseManager {
  readonly #table: string;
  readonly #connection: LazyPostgresPool;

  constructor(options: PostgresRunLeasesOptions) {
    const settings = parseLeaseOptions(OptionsSchema, options);
    super(settings);
    this.#connection = new LazyPostgresPool({ ...settings, maxConnections: 4 });
    this.#table = postgresTables(settings.tablePrefix).runLeases;
  }

  /**
   * Takes the lease row for `holder` unless a live lease holds it (the `SET NX PX` of Redis):
   * an expired row, or none, is overwritten. `listed` puts it among the live leases the sweep watches.
   */
  protected override async takeLease(member: string, holder: string, listed: boolean): Promise<boolean> {
    const pool = await this.#connection.pool();
    const taken = await pool.query(
      `INSERT INTO ${this.#table} (member, holder, expires_at, listed) VALUES ($1, $2, ${nowMs} + $3, $4)
       ON CONFLICT (member) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
         listed = excluded.listed OR ${this.#table}.listed
       WHERE ${this.#table}.expires_at <= ${nowMs}
       RETURNING member`,
      [member, holder, this.ttlMs, listed],
    );
    return taken.rowCount === 1;
  }

  protected override async peekLease(member: string): Promise<{ holder: string; listed: boolean }> {
    const pool = await this.#connection.pool();
    const found = await pool.query<{ holder: string; listed: boolean }>(
      `SELECT CASE WHEN expires_at > ${nowMs} THEN holder ELSE '' END AS holder, listed FROM ${this.#table} WHERE member = $1`,
      [member],
    );
    return found.rows[0] ?? { holder: '', listed: false };
  }

  protected override async settleClaim(member: string, claimer: string): Promise<void> {
    const pool = await this.#connection.pool();
    await pool.query(
      `UPDATE ${this.#table} SET
         holder = CASE WHEN holder = $2 AND expires_at > ${nowMs} THEN '${TOMBSTONE}' ELSE holder END,
         expires_at = CASE WHEN holder = $2 AND expires_at > ${nowMs} THEN ${nowMs} + $3 ELSE expires_at END,
         listed = false
       WHERE member = $1`,
      [member, claimer, this.tombstoneMs],
    );
  }

  protected override async unlist(member: string): Promise<void> {
    const pool = await this.#connection.pool();
    await pool.query(`UPDATE ${this.#table} SET listed = false WHERE member = $1`, [member]);
  }

  protected override async expiredMembers(limit: number): Promise<string[]> {
    const pool = await this.#connection.pool();
    const expired = await pool.query<{ member: string }>(
      `SELECT member FROM ${this.#table} WHERE listed AND expires_at <= ${nowMs} ORDER BY expires_at LIMIT $1`,
      [limit],
    );
    // Rows neither listed nor alive mean nothing any more (an expired tombstone or claim).
    await pool.query(`DELETE FROM ${this.#table} WHERE NOT listed AND expires_at <= ${nowMs}`);
    return expired.rows.map((row) => row.member);
  }

  protected override async renewLeases(leases: readonly HeldLease[]): Promise<boolean[]> {
    const pool = await this.#connection.pool();
    const result = await pool.query<{ member: string }>(
      `UPDATE ${this.#table} SET expires_at = ${nowMs} + $3
       WHERE member = ANY($1::text[]) AND holder = $2 AND expires_at > ${nowMs}
       RETURNING member`,
      [leases.map((lease) => lease.member), this.nodeId, this.ttlMs],
    );
    const renewed = new Set(result.rows.map((row) => row.member));
    return leases.map((lease) => renewed.has(lease.member));
  }

  protected override async releaseLease(lease: HeldLease): Promise<void> {
    const pool = await this.#connection.pool();
    await pool.query(`DELETE FROM ${this.#table} WHERE member = $1 AND holder = $2 AND expires_at > ${nowMs}`, [lease.member, this.nodeId]);
  }

  protected override releaseSkippedAfterClose(): boolean {
    return !this.#connection.started;
  }

  protected override async closeStorage(): Promise<void> {
    await this.#connection.end();
  }
}
