// Append cost of the PostgreSQL session store, store-level (no sockets, no subscribers): appends
// per second with 100 sessions appending back to back, and p50/p99 append latency at a fixed
// offered rate. Three paths take the same appends, in this process, on this machine, in the
// same run, rounds interleaved:
// - `PostgresStore` as shipped: one statement per batch of appends (the schema's batch append
//   function), appends made while their session has none in flight sharing a batch and a commit;
// - the baseline: the previous release's append, five statements per append in one transaction
//   (BEGIN, bump the head row, look up fences and the client message id, write, COMMIT), copied
//   below and run on a `PostgresStore`'s own tables, through a pool of the same size (10);
// - SQLite (`SqliteStore`, `synchronous: 'full'`), the embedded default, as the reference.
// Same durability on all three: each append resolves once its commit is on disk (PostgreSQL's
// `synchronous_commit = on` flushes the WAL; SQLite `full` fsyncs the WAL). How each groups
// commits is part of what is compared: SQLite commits the appends of one event-loop turn
// together, `PostgresStore` the appends made while its previous batches were in flight, and the
// baseline only shares a WAL flush between the (at most 10) transactions committing at the same
// moment. Every append is validated by the same `prepareAppend` and carries
// `text.delta`s of a live run, so every path checks the fences.
// MT_POSTGRES_URL picks the database (default the local `test`).
// Run alone: node --conditions=@marketing-team/source --import tsx bench/store-append.bench.ts
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SessionEvent } from '@marketing-team/core';
import pg from 'pg';
import { FenceState, fenceTarget, taskFenceKey } from '../packages/server/src/stores/_fence.js';
import { nowMs, postgresTables } from '../packages/server/src/stores/_postgres-schema.js';
import { prepareAppend, resolveLimits } from '../packages/server/src/stores/_validate.js';
import { PostgresStore } from '../packages/server/src/stores/postgres-store.js';
import { SqliteStore } from '../packages/server/src/stores/sqlite-store.js';
import { benchResult, percentile, type BenchResult } from './bench-result.js';
import { dropPostgresPrefix, postgresUrl } from './_postgres.js';

const url = postgresUrl;
const SESSIONS = 100;
const POOL = 10;
const ROUNDS = 6;
/** Back-to-back appends per session per round, by batch size (fewer for the larger batches). */
const SATURATION = [
  { batch: 1, appends: 20 },
  { batch: 20, appends: 10 },
] as const;
/**
 * Offered loads of the latency phase, appends per second per session: 5 (500/s in all, below
 * what the previous release's path takes back to back) and 20 (2,000/s, the scale-out bench's
 * 100 runs x 20 deltas/s, above it).
 */
const RATES = [5, 20] as const;
const RATE_SECONDS = 2;

type Append = (session: string, events: SessionEvent[]) => Promise<unknown>;

interface Path {
  append: Append;
  close(): Promise<void>;
}

function delta(session: number, index: number): SessionEvent {
  return { type: 'text.delta', runId: `run-${session}`, taskId: 't1', agent: 'content-creator', messageId: 'm1', text: `token ${index} ` };
}

function sqlitePath(): Path {
  const dir = mkdtempSync(join(tmpdir(), 'mt-append-'));
  const store = new SqliteStore({ path: join(dir, 'sessions.db'), synchronous: 'full' });
  return {
    append: (session, events) => store.append(session, events),
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresPath(admin: pg.Pool): Promise<Path & { store: PostgresStore }> {
  const tablePrefix = `mt_append_${randomUUID().replaceAll('-', '').slice(0, 8)}_`;
  const store = new PostgresStore({ connectionString: url, tablePrefix, maxConnections: POOL });
  await store.head('warm-up');
  return {
    store,
    append: (session, events) => store.append(session, events),
    async close() {
      await store.close();
      await dropPostgresPrefix(admin, tablePrefix);
    },
  };
}

/**
 * The baseline: `PostgresStore.append` of the previous release (before the append function),
 * unchanged but for the duplicate answer, which the bench never takes. Five statements, each a
 * round trip, on one pooled connection: BEGIN; upsert the head row (taking its lock); look up the
 * fences and the client message id; insert events, fences, open runs and the id, and notify, in
 * one CTE; COMMIT.
 */
async function previousPostgresPath(admin: pg.Pool): Promise<Path> {
  const tablePrefix = `mt_append_${randomUUID().replaceAll('-', '').slice(0, 8)}_`;
  // The store creates the tables (the same as the previous release's) and is not used after that.
  const creator = new PostgresStore({ connectionString: url, tablePrefix });
  await creator.head('warm-up');
  await creator.close();
  const pool = new pg.Pool({ connectionString: url, max: POOL, keepAlive: true });
  const t = postgresTables(tablePrefix);
  const limits = resolveLimits(undefined);
  const append: Append = async (session, input) => {
    const { events, kinds, clientMsgId, json } = prepareAppend(session, input, undefined, limits);
    const client = await pool.connect();
    try {
      const count = events.length;
      await client.query('BEGIN');
      const bumped = await client.query<{ epoch: string; head: string; at: string }>({
        name: `${t.sessions}_bump`,
        text: `INSERT INTO ${t.sessions} (session, epoch, head, first) VALUES ($1, $2, $3, 1)
               ON CONFLICT (session) DO UPDATE SET head = ${t.sessions}.head + excluded.head
               RETURNING epoch, head, ${nowMs} AS at`,
        values: [session, randomUUID(), count],
      });
      const { epoch } = bumped.rows[0]!;
      const last = Number(bumped.rows[0]!.head);
      const first = last - count + 1;
      const at = Number(bumped.rows[0]!.at);
      const keys = new Set<string>();
      for (let index = 0; index < count; index++) {
        if (kinds[index] === 'other' || kinds[index] === 'task-cancel') continue;
        const { runId, taskId } = fenceTarget(events[index]!);
        keys.add(runId);
        if (kinds[index] === 'content' && taskId) keys.add(taskFenceKey(runId, taskId));
      }
      const fence = new FenceState();
      if (keys.size > 0 || clientMsgId !== undefined) {
        const looked = await client.query<{ fences: string[]; first_seq: string | null }>({
          name: `${t.sessions}_lookup`,
          text: `SELECT ARRAY(SELECT fence FROM ${t.fences} WHERE session = $1 AND fence = ANY($2::text[])) AS fences,
                        m.first_seq, m.last_seq
                 FROM (SELECT 1) AS one
                 LEFT JOIN ${t.clientMessages} m ON m.session = $1 AND m.client_msg_id = $3`,
          values: [session, [...keys], clientMsgId ?? null],
        });
        fence.add(looked.rows[0]!.fences);
      }
      const closing = fence.check(events, kinds);
      const openRuns = new Map<string, boolean>();
      for (let index = 0; index < count; index++) {
        const event = events[index]!;
        if (kinds[index] === 'run-end') openRuns.set(fenceTarget(event).runId, false);
        else if (event.type === 'brief.submitted') openRuns.set(event.runId, true);
      }
      const opened = [...openRuns].filter(([, open]) => open).map(([runId]) => runId);
      const ended = [...openRuns].filter(([, open]) => !open).map(([runId]) => runId);
      const payload = { s: session, e: epoch, f: first, o: last };
      await client.query({
        name: `${t.sessions}_write`,
        text: `WITH stored AS (
                 INSERT INTO ${t.events} (session, seq, at, event)
                 SELECT $1, $2::bigint + e.ord - 1, $3, e.json FROM unnest($4::text[]) WITH ORDINALITY AS e(json, ord)
               ), fenced AS (
                 INSERT INTO ${t.fences} (session, fence) SELECT $1, f FROM unnest($5::text[]) AS f ON CONFLICT DO NOTHING
               ), ended AS (
                 DELETE FROM ${t.openRuns} WHERE session = $1 AND run_id = ANY($6::text[])
               ), opened AS (
                 INSERT INTO ${t.openRuns} (session, run_id) SELECT $1, r FROM unnest($7::text[]) AS r ON CONFLICT DO NOTHING
               ), remembered AS (
                 INSERT INTO ${t.clientMessages} (session, client_msg_id, first_seq, last_seq)
                 SELECT $1, $8::text, $2, $9 WHERE $8::text IS NOT NULL
               )
               SELECT pg_notify($10, $11)`,
        values: [session, first, at, json, [...new Set(closing)], ended, opened, clientMsgId ?? null, last, t.channel, JSON.stringify(payload)],
      });
      await client.query('COMMIT');
      return { firstOffset: first, lastOffset: last };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
  return {
    append,
    async close() {
      await pool.end();
      await dropPostgresPrefix(admin, tablePrefix);
    },
  };
}

interface Measure {
  perSecond: number;
  latencies: number[];
}

/** Every session appends `appends` batches of `batch` deltas, each after the previous resolved. */
async function saturate(path: Path, round: string, batch: number, appends: number): Promise<Measure> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SESSIONS }, async (_, s) => {
      const session = `${round}-${s}`;
      for (let index = 0; index < appends; index++) {
        const events = Array.from({ length: batch }, (_, e) => delta(s, index * batch + e));
        const begun = performance.now();
        await path.append(session, events);
        latencies.push(performance.now() - begun);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: (SESSIONS * appends) / seconds, latencies };
}

/**
 * Every session offers one delta every 1/rate s on a fixed schedule, whether or not
 * its previous append resolved (the store orders them); latency counts from the scheduled time,
 * so a queue that builds up is measured rather than hidden.
 */
async function fixedRate(path: Path, round: string, rate: number): Promise<Measure> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const interval = 1000 / rate;
  const total = rate * RATE_SECONDS;
  const start = performance.now() + 20;
  // Sessions start spread over one interval, so the offered load is even rather than in bursts.
  const schedule = Array.from({ length: SESSIONS }, (_, s) => Array.from({ length: total }, (_, index) => ({ s, index, at: start + (s / SESSIONS) * interval + index * interval })))
    .flat()
    .sort((a, b) => a.at - b.at);
  for (const { s, index, at } of schedule) {
    const wait = at - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(path.append(`${round}-${s}`, [delta(s, index)]).then(() => void latencies.push(performance.now() - at)));
  }
  await Promise.all(pending);
  return { perSecond: schedule.length / ((performance.now() - start) / 1000), latencies };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const spread = (values: number[]) => `${Math.min(...values).toFixed(1)} / ${median(values).toFixed(1)} / ${Math.max(...values).toFixed(1)}`;

/** Appends/s and append latency of PostgreSQL (batched, one query per batch, vs the previous five queries per append), with SQLite beside them. */
export async function runStoreAppendBench(): Promise<BenchResult[]> {
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  admin.on('error', () => {});
  const settings = await admin.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'server_version')`,
  );
  console.log(`  ${SESSIONS} sessions, pool of ${POOL}, ${cpus().length} cores shared with PostgreSQL; ${settings.rows.map((row) => `${row.name}=${row.setting}`).join(', ')}`);
  const kinds = ['sqlite', 'previous', 'current'] as const;
  type Kind = (typeof kinds)[number];
  const open: Record<Kind, () => Promise<Path>> = {
    sqlite: async () => sqlitePath(),
    previous: () => previousPostgresPath(admin),
    current: () => postgresPath(admin),
  };
  const figures = new Map<string, number[]>();
  const add = (key: string, value: number) => figures.set(key, [...(figures.get(key) ?? []), value]);
  let roundTrips = Number.NaN;
  const paths = new Map<Kind, Path>();
  try {
    // Opened once; every round uses new sessions. Each workload runs on the three paths back to
    // back, in an order rotated each round, so a change in the machine's load (it is shared)
    // falls on all three rather than on whichever ran during it.
    for (const kind of kinds) paths.set(kind, await open[kind]());
    const order = (round: number) => [...kinds.slice(round % kinds.length), ...kinds.slice(0, round % kinds.length)];
    for (let round = 0; round < ROUNDS; round++) {
      for (const { batch, appends } of SATURATION) {
        for (const kind of order(round)) {
          const measure = await saturate(paths.get(kind)!, `sat${batch}-${round}`, batch, appends);
          add(`${kind} saturated ${batch} per`, measure.perSecond);
          add(`${kind} saturated ${batch} p50`, percentile(measure.latencies, 50));
          add(`${kind} saturated ${batch} p99`, percentile(measure.latencies, 99));
        }
      }
      for (const rate of RATES) {
        for (const kind of order(round)) {
          const rated = await fixedRate(paths.get(kind)!, `rate${rate}-${round}`, rate);
          add(`${kind} rate ${rate} p50`, percentile(rated.latencies, 50));
          add(`${kind} rate ${rate} p99`, percentile(rated.latencies, 99));
        }
      }
    }
    const { appends, appendRoundTrips } = (paths.get('current') as Path & { store: PostgresStore }).store.metrics;
    roundTrips = appendRoundTrips / appends;
  } finally {
    for (const path of paths.values()) await path.close();
    await admin.end();
  }

  for (const [key, values] of figures) console.log(`  ${key}: min / median / max ${spread(values)}`);
  // Keys: sqlite = SQLite full; previous = PostgreSQL, the previous five-query transaction;
  // current = PostgreSQL, one statement.
  const results: BenchResult[] = [];
  const log = (result: BenchResult) => {
    console.log(`  ${result.name}: ${result.value} ${result.unit} (baseline ${result.baseline}, ratio ${result.ratio}, goal ${result.goal})`);
    results.push(result);
  };
  const value = (key: string) => median(figures.get(key)!);
  const vsPrevious = 'baseline: previous release, BEGIN + 3 queries + COMMIT, so a commit, per append; same pool of 10, tables and durability';
  const vsSqlite = 'baseline: SQLite full, fsync per commit, appends of one loop turn share a commit';
  log(benchResult('PostgreSQL queries per append over the whole run (PostgresStore.metrics; baseline: previous release, 5 per append)', roundTrips, 'queries', 5, 'ratio <= 0.2 (at most 1, fewer when appends share a batch)'));
  for (const { batch } of SATURATION) {
    const what = `${SESSIONS} sessions back to back, ${batch} delta${batch > 1 ? 's' : ''} per append`;
    const per = (kind: Kind) => value(`${kind} saturated ${batch} per`);
    log(benchResult(`PostgreSQL appends/s, ${what} (${vsPrevious})`, per('current'), 'appends/s', per('previous'), 'ratio > 1'));
    log(benchResult(`PostgreSQL appends/s, ${what} (${vsSqlite})`, per('current'), 'appends/s', per('sqlite'), 'informational'));
    for (const p of [50, 99]) {
      const latency = (kind: Kind) => value(`${kind} saturated ${batch} p${p}`);
      log(benchResult(`PostgreSQL append p${p}, ${what} (${vsPrevious})`, latency('current'), 'ms', latency('previous'), 'ratio < 1'));
      log(benchResult(`PostgreSQL append p${p}, ${what} (${vsSqlite})`, latency('current'), 'ms', latency('sqlite'), 'informational'));
    }
  }
  for (const rate of RATES) {
    const offered = `${SESSIONS} sessions x ${rate} appends/s of 1 delta, from the scheduled time`;
    for (const p of [50, 99]) {
      const latency = (kind: Kind) => value(`${kind} rate ${rate} p${p}`);
      log(benchResult(`PostgreSQL append p${p}, ${offered} (${vsPrevious})`, latency('current'), 'ms', latency('previous'), 'ratio < 1'));
      log(benchResult(`PostgreSQL append p${p}, ${offered} (${vsSqlite})`, latency('current'), 'ms', latency('sqlite'), 'informational'));
    }
  }
  console.log(`  (each figure: the median of ${ROUNDS} rounds; min / median / max above)`);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runStoreAppendBench();
  process.exit(0);
}
