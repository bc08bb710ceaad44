import { IdSchema, ProtocolError, SessionIdSchema, protocolErrorFromZod } from '@marketing-team/core';
import type { Pool } from 'pg';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  PoolSchema,
  TablePrefixSchema,
  ensurePostgresSchema,
  nowMs,
  openPostgresPool,
  postgresTables,
} from '../stores/_postgres-schema.js';
import { FencedError, type SessionStore } from '../stores/session-store.js';
import { HeldLease, type LeaseHost } from './_held-lease.js';
import { readRunRecord } from './_run-record.js';
import type { RunLeaseMetrics } from './redis-run-leases.js';
import type { RunLease, RunLeases } from './run-leases.js';

/** Options of {@link PostgresRunLeases}. */
export interface PostgresRunLeasesOptions {
  /** The store the runs write to; a run found orphaned gets its `run.interrupted` here. */
  store: SessionStore;
  /** A `pg` pool to use (never ended by this class); else one is opened from `connectionString`. */
  pool?: Pool;
  /** Connection string when no pool is given; without one `pg` reads the `PG*` environment variables. */
  connectionString?: string;
  /** Prefix of the lease table (default `mt_`, the same as `PostgresStore`'s). */
  tablePrefix?: string;
  /** This node's id, stored in the leases it holds; random when absent. */
  nodeId?: string;
  /** How long a lease lasts unless renewed (renewed every third of it); defaults to 10 000 ms. */
  ttlMs?: number;
  /** How often expired leases are looked for; defaults to half the ttl. */
  sweepMs?: number;
  /**
   * How long after its brief a run may go without ever having had a lease before a node opening
   * its session counts it orphaned (its node died before taking the lease); defaults to 3 × ttl.
   */
  graceMs?: number;
  /** How long the lease of an interrupted run stays marked ended, so a late launch cannot take it; defaults to one hour. */
  tombstoneMs?: number;
  /** Called with errors that must not stop the node (a failed renewal or sweep). */
  onError?: (error: unknown) => void;
}

const OptionsSchema = z.object({
  store: z.custom<SessionStore>(
    (value) => typeof value === 'object' && value !== null && typeof (value as SessionStore).append === 'function',
    'expected a SessionStore',
  ),
  pool: PoolSchema.optional(),
  connectionString: z.string().min(1).optional(),
  tablePrefix: TablePrefixSchema,
  nodeId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\s]+$/, 'no spaces')
    .optional(),
  ttlMs: z.number().int().min(100).max(3_600_000).default(10_000),
  sweepMs: z.number().int().min(20).max(3_600_000).optional(),
  graceMs: z.number().int().min(0).optional(),
  tombstoneMs: z.number().int().min(1000).default(3_600_000),
  onError: z.custom<(error: unknown) => void>((value) => typeof value === 'function', 'expected a function').optional(),
});

const ENDED = new Set(['completed', 'cancelled', 'failed', 'interrupted']);
/** Most expired runs looked at per sweep (the next sweep takes the rest). */
const SWEEP_LIMIT = 100;
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
export class PostgresRunLeases implements RunLeases {
  /** This node's id, the holder of the lease rows it holds. */
  readonly nodeId: string;
  /** Live counters; read them, do not write them. */
  readonly metrics: RunLeaseMetrics = { acquired: 0, lost: 0, renewRoundTrips: 0, interrupted: 0, sweeps: 0 };
  readonly #store: SessionStore;
  readonly #options: z.output<typeof OptionsSchema>;
  readonly #table: string;
  readonly #ttlMs: number;
  readonly #graceMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #held = new Map<string, HeldLease>();
  readonly #releases = new Set<Promise<void>>();
  readonly #host: LeaseHost;
  readonly #renewTimer: NodeJS.Timeout;
  readonly #sweepTimer: NodeJS.Timeout;
  #pool: Pool | undefined;
  #ready: Promise<Pool> | undefined;
  #renewing = false;
  #sweeping: Promise<void> | undefined;
  #closed = false;

  constructor(options: PostgresRunLeasesOptions) {
    const parsed = OptionsSchema.safeParse(options ?? {});
    if (!parsed.success) throw protocolErrorFromZod(parsed.error, 'options');
    this.#options = parsed.data;
    this.#store = parsed.data.store;
    this.nodeId = parsed.data.nodeId ?? `node-${randomUUID()}`;
    this.#table = postgresTables(parsed.data.tablePrefix).runLeases;
    this.#ttlMs = parsed.data.ttlMs;
    this.#graceMs = parsed.data.graceMs ?? parsed.data.ttlMs * 3;
    this.#onError = parsed.data.onError ?? ((error) => console.error('[marketing-team] run leases:', error));
    this.#host = { marginMs: Math.min(1000, Math.floor(this.#ttlMs / 5)), release: (lease) => this.#release(lease) };
    this.#renewTimer = setInterval(() => void this.#renew(), Math.max(10, Math.floor(this.#ttlMs / 3)));
    this.#renewTimer.unref();
    this.#sweepTimer = setInterval(() => void this.sweep().catch(this.#onError), parsed.data.sweepMs ?? Math.floor(this.#ttlMs / 2));
    this.#sweepTimer.unref();
  }

  /** How long a lease lasts unless renewed. */
  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** Runs whose lease this node holds, as `session/run`. */
  held(): string[] {
    return [...this.#held.keys()];
  }

  async acquire(session: string, runId: string): Promise<RunLease | undefined> {
    this.#assertOpen();
    const member = memberOf(session, runId);
    let taken: boolean;
    let sent = performance.now();
    for (let attempt = 1; ; attempt++) {
      try {
        sent = performance.now();
        taken = await this.#take(member, this.nodeId, true);
        break;
      } catch (error) {
        if (attempt < 3 && !this.#closed) {
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          continue;
        }
        // No node will run it: say so in the log rather than leave it planned forever.
        await this.#store
          .append(session, [{ type: 'run.interrupted', runId, reason: 'no node could take the run' }])
          .catch(() => undefined);
        throw error;
      }
    }
    if (!taken) return undefined;
    this.metrics.acquired++;
    const lease = new HeldLease(session, runId, member, member, sent + this.#ttlMs, this.#host);
    this.#held.set(member, lease);
    return lease;
  }

  /**
   * The holder of a run's lease: a node id, `ended` for a run recorded as interrupted, or
   * `undefined` when nobody holds it.
   */
  async holder(session: string, runId: string): Promise<string | undefined> {
    this.#assertOpen();
    const { holder } = await this.#peek(memberOf(session, runId));
    return holder === '' ? undefined : holder;
  }

  async interruptIfOrphaned(session: string, runId: string): Promise<boolean> {
    this.#assertOpen();
    const member = memberOf(session, runId);
    const { holder, listed } = await this.#peek(member);
    if (holder !== '') return false;
    const seen = await readRunRecord(this.#store, session, runId);
    if (!seen.run || ENDED.has(seen.run.status)) {
      if (listed) await this.#unlist(member);
      return false;
    }
    // Never leased: its node may be taking the lease right now, unless the brief is old.
    if (!listed && seen.submittedAt !== undefined && Date.now() - seen.submittedAt < this.#graceMs) return false;
    // The claim is the lease itself, so one node at a time decides, and a late launch finds it taken.
    const claimer = `reaper:${this.nodeId}:${randomUUID()}`;
    if (!(await this.#take(member, claimer, false))) return false;
    try {
      // Re-read after the claim: the run may have ended just before its lease went.
      const now = await readRunRecord(this.#store, session, runId);
      if (!now.run || ENDED.has(now.run.status)) return false;
      try {
        await this.#store.append(session, [{ type: 'run.interrupted', runId, reason: 'the node running it stopped' }]);
      } catch (error) {
        if (error instanceof FencedError) return false;
        throw error;
      }
      this.metrics.interrupted++;
      return true;
    } finally {
      await this.#settle(member, claimer);
    }
  }

  /**
   * Looks for runs whose lease expired and records each one that has not ended as interrupted.
   * Runs on a timer on every node; callable directly. Resolves with how many this call recorded.
   */
  async sweep(): Promise<number> {
    if (this.#closed) return 0;
    if (this.#sweeping) {
      await this.#sweeping;
      return 0;
    }
    let count = 0;
    const sweeping = (async () => {
      this.metrics.sweeps++;
      const pool = await this.#db();
      const expired = await pool.query<{ member: string }>(
        `SELECT member FROM ${this.#table} WHERE listed AND expires_at <= ${nowMs} ORDER BY expires_at LIMIT $1`,
        [SWEEP_LIMIT],
      );
      // Rows neither listed nor alive mean nothing any more (an expired tombstone or claim).
      await pool.query(`DELETE FROM ${this.#table} WHERE NOT listed AND expires_at <= ${nowMs}`);
      for (const { member } of expired.rows) {
        if (this.#closed) return;
        const slash = member.indexOf('/');
        if (slash <= 0) {
          await this.#unlist(member);
          continue;
        }
        try {
          if (await this.interruptIfOrphaned(member.slice(0, slash), member.slice(slash + 1))) count++;
        } catch (error) {
          this.#onError(error);
        }
      }
    })();
    this.#sweeping = sweeping;
    try {
      await sweeping;
    } finally {
      this.#sweeping = undefined;
    }
    return count;
  }

  /**
   * Stops renewing and sweeping, waits for releases under way and ends the pool if this class
   * opened it. Leases still held are left to expire: close the server first, so its runs end
   * (and give their leases back) before this is called.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#renewTimer);
    clearInterval(this.#sweepTimer);
    await Promise.allSettled([...this.#releases]);
    await this.#sweeping?.catch(() => undefined);
    this.#held.clear();
    await this.#ready?.catch(() => undefined);
    if (!this.#options.pool && this.#pool) await this.#pool.end();
  }

  /**
   * Takes the lease row for `holder` unless a live lease holds it (the `SET NX PX` of Redis):
   * an expired row, or none, is overwritten. `list` puts it among the live leases the sweep watches.
   */
  async #take(member: string, holder: string, list: boolean): Promise<boolean> {
    const pool = await this.#db();
    const taken = await pool.query(
      `INSERT INTO ${this.#table} (member, holder, expires_at, listed) VALUES ($1, $2, ${nowMs} + $3, $4)
       ON CONFLICT (member) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
         listed = excluded.listed OR ${this.#table}.listed
       WHERE ${this.#table}.expires_at <= ${nowMs}
       RETURNING member`,
      [member, holder, this.#ttlMs, list],
    );
    return taken.rowCount === 1;
  }

  async #peek(member: string): Promise<{ holder: string; listed: boolean }> {
    const pool = await this.#db();
    const found = await pool.query<{ holder: string; listed: boolean }>(
      `SELECT CASE WHEN expires_at > ${nowMs} THEN holder ELSE '' END AS holder, listed FROM ${this.#table} WHERE member = $1`,
      [member],
    );
    return found.rows[0] ?? { holder: '', listed: false };
  }

  /** Settles an orphan: a claim still ours becomes a tombstone, and the run leaves the live set. */
  async #settle(member: string, claimer: string): Promise<void> {
    const pool = await this.#db();
    await pool.query(
      `UPDATE ${this.#table} SET
         holder = CASE WHEN holder = $2 AND expires_at > ${nowMs} THEN '${TOMBSTONE}' ELSE holder END,
         expires_at = CASE WHEN holder = $2 AND expires_at > ${nowMs} THEN ${nowMs} + $3 ELSE expires_at END,
         listed = false
       WHERE member = $1`,
      [member, claimer, this.#options.tombstoneMs],
    );
  }

  async #unlist(member: string): Promise<void> {
    const pool = await this.#db();
    await pool.query(`UPDATE ${this.#table} SET listed = false WHERE member = $1`, [member]);
  }

  async #renew(): Promise<void> {
    if (this.#closed || this.#held.size === 0) return;
    const leases: HeldLease[] = [];
    for (const lease of this.#held.values()) {
      // `held` marks a lease whose deadline passed (renewals failing or hanging, a pause) as
      // lost; checked on every tick, even while a renewal is still waiting for PostgreSQL.
      if (lease.releasing) continue;
      if (lease.held) leases.push(lease);
      else this.#drop(lease);
    }
    if (this.#renewing || leases.length === 0) return;
    this.#renewing = true;
    try {
      const sent = performance.now();
      this.metrics.renewRoundTrips++;
      let renewed: Set<string>;
      try {
        const pool = await this.#db();
        const result = await pool.query<{ member: string }>(
          `UPDATE ${this.#table} SET expires_at = ${nowMs} + $3
           WHERE member = ANY($1::text[]) AND holder = $2 AND expires_at > ${nowMs}
           RETURNING member`,
          [leases.map((lease) => lease.member), this.nodeId, this.#ttlMs],
        );
        renewed = new Set(result.rows.map((row) => row.member));
      } catch (error) {
        // Not fatal yet: the leases stay held until their deadline, and the next tick retries.
        this.#onError(error);
        return;
      }
      for (const lease of leases) {
        if (renewed.has(lease.member)) lease.deadline = sent + this.#ttlMs;
        else if (!lease.releasing) {
          lease.markLost('taken');
          this.#drop(lease);
        }
      }
    } finally {
      this.#renewing = false;
    }
  }

  #drop(lease: HeldLease): void {
    if (this.#held.get(lease.member) !== lease) return;
    this.#held.delete(lease.member);
    this.metrics.lost++;
  }

  #release(lease: HeldLease): Promise<void> {
    const released = (async () => {
      try {
        if (this.#closed && !this.#ready) return;
        const pool = await this.#db();
        // Compare and delete: a lease that is no longer ours is left alone (its run is left for the sweep).
        await pool.query(`DELETE FROM ${this.#table} WHERE member = $1 AND holder = $2 AND expires_at > ${nowMs}`, [
          lease.member,
          this.nodeId,
        ]);
      } finally {
        if (this.#held.get(lease.member) === lease) this.#held.delete(lease.member);
      }
    })();
    this.#releases.add(released);
    const forget = () => this.#releases.delete(released);
    released.then(forget, forget);
    return released;
  }

  /** The pool, once the tables exist; a failed setup is retried by the next call. */
  #db(): Promise<Pool> {
    this.#ready ??= (async () => {
      let pool = this.#options.pool ?? this.#pool;
      if (!pool) {
        pool = this.#pool = await openPostgresPool({ connectionString: this.#options.connectionString, max: 4, keepAlive: true });
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

  #assertOpen(): void {
    if (this.#closed) throw new ProtocolError('internal', 'the run leases are closed');
  }
}

/** `session/run`: ids never contain "/", so the pair is unambiguous. */
function memberOf(session: string, runId: string): string {
  const sessionOk = SessionIdSchema.safeParse(session);
  if (!sessionOk.success) throw protocolErrorFromZod(sessionOk.error, 'session');
  const runOk = IdSchema.safeParse(runId);
  if (!runOk.success) throw protocolErrorFromZod(runOk.error, 'runId');
  return `${session}/${runId}`;
}
