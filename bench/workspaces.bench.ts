// Workspace read and save latency in one SQLite file holding 1, 100 and 10,000 workspaces (each
// a full default-team document with two versions), beside the sessions' tables. Every statement is keyed by primary key, so
// the cost should not grow with the number of workspaces: each level is reported against the
// 1-workspace figure measured in the same run.
// The same on PostgreSQL (MT_POSTGRES_URL, default the local `test` database), in the session
// store's database and pool: each level against PostgreSQL's own 1-workspace figure. (Not against
// SQLite: the SQLite file here commits with `synchronous: 'normal'`, no fsync per save, while a
// PostgreSQL save waits for its WAL flush.) Its 10,000 workspaces are seeded with one INSERT
// copying the two versions the store saved for the first one (the rows a save writes), since
// 20,000 saves of a 16 KB document would take most of the run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultTeam, workspaceFromTeam, type WorkspaceDocumentInput } from '@marketing-team/core';
import { PostgresStore, PostgresWorkspaceStore } from '@marketing-team/server/postgres';
import { SqliteStore, SqliteWorkspaceStore } from '@marketing-team/server/sqlite';
import pg from 'pg';
import { benchResult, percentile, type BenchResult } from './bench-result.js';
import { dropPostgresPrefix, postgresUrl } from './_postgres.js';

const LEVELS = [1, 100, 10_000] as const;
const SAMPLES = 200;

function documentFor(name: string): WorkspaceDocumentInput {
  // A realistic document: the default team's eleven skills and five agents with the customer's brand.
  const base = workspaceFromTeam(defaultTeam);
  return { ...base, brand: { ...base.brand!, name } };
}

interface LevelMeasure {
  readMs: number[];
  saveMs: number[];
}

async function measureLevel(workspaceCount: number): Promise<LevelMeasure> {
  const directory = mkdtempSync(join(tmpdir(), 'mt-workspaces-bench-'));
  const path = join(directory, 'sessions.db');
  // The session store creates the file, as in a deployment; workspaces share it.
  const sessions = new SqliteStore({ path, synchronous: 'normal' });
  const store = new SqliteWorkspaceStore({ path, synchronous: 'normal' });
  try {
    const document = documentFor('Bench');
    for (let index = 0; index < workspaceCount; index++) {
      let etag: string | null = null;
      for (let version = 0; version < 2; version++) etag = (await store.save(`ws-${index}`, document, { ifMatch: etag })).etag;
    }
    const readMs: number[] = [];
    const saveMs: number[] = [];
    for (let sample = 0; sample < SAMPLES; sample++) {
      const id = `ws-${sample % workspaceCount}`;
      const readStart = performance.now();
      const latest = await store.get(id);
      readMs.push(performance.now() - readStart);
      const saveStart = performance.now();
      await store.save(id, document, { ifMatch: latest!.etag });
      saveMs.push(performance.now() - saveStart);
    }
    return { readMs, saveMs };
  } finally {
    await store.close();
    await sessions.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

interface PostgresLevel {
  store: PostgresWorkspaceStore;
  workspaceCount: number;
  close(): Promise<void>;
}

/** A PostgreSQL database holding `workspaceCount` workspaces, under a table prefix of its own. */
async function openPostgresLevel(workspaceCount: number): Promise<PostgresLevel> {
  const tablePrefix = `mt_wsbench_${Math.random().toString(36).slice(2, 10)}_`;
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 4 });
  pool.on('error', () => {});
  // The session store creates its tables first, as in a deployment; workspaces share the database and pool.
  const sessions = new PostgresStore({ pool, tablePrefix });
  const store = new PostgresWorkspaceStore({ pool, tablePrefix });
  await sessions.head('bench');
  const document = documentFor('Bench');
  const first = await store.save('ws-0', document, { ifMatch: null });
  await store.save('ws-0', document, { ifMatch: first.etag });
  if (workspaceCount > 1) {
    // Workspaces 1..n-1 get copies of ws-0's two versions (same document, hash, etag, head).
    await pool.query(
      `INSERT INTO ${tablePrefix}workspace_versions (workspace, version, etag, hash, saved_at, saved_by, rolled_back_from, document)
       SELECT 'ws-' || i, v.version, v.etag, v.hash, v.saved_at, v.saved_by, v.rolled_back_from, v.document
       FROM generate_series(1, $1::int - 1) AS i, ${tablePrefix}workspace_versions v WHERE v.workspace = 'ws-0'`,
      [workspaceCount],
    );
    await pool.query(
      `INSERT INTO ${tablePrefix}workspaces (workspace, head, etag)
       SELECT 'ws-' || i, w.head, w.etag FROM generate_series(1, $1::int - 1) AS i, ${tablePrefix}workspaces w WHERE w.workspace = 'ws-0'`,
      [workspaceCount],
    );
  }
  await pool.query(`ANALYZE ${tablePrefix}workspaces, ${tablePrefix}workspace_versions`);
  return {
    store,
    workspaceCount,
    async close() {
      await store.close();
      await sessions.close();
      await dropPostgresPrefix(pool, tablePrefix);
      await pool.end();
    },
  };
}

/**
 * Read and save latency on PostgreSQL at every level, the levels taking turns sample by sample,
 * so a change in the (shared) machine's load falls on all of them alike.
 */
async function measurePostgresLevels(): Promise<Map<number, LevelMeasure>> {
  const levels: PostgresLevel[] = [];
  const measures = new Map<number, LevelMeasure>();
  const document = documentFor('Bench');
  try {
    for (const count of LEVELS) levels.push(await openPostgresLevel(count));
    for (const level of levels) measures.set(level.workspaceCount, { readMs: [], saveMs: [] });
    for (let sample = 0; sample < SAMPLES; sample++) {
      for (const level of levels) {
        const measure = measures.get(level.workspaceCount)!;
        const id = `ws-${sample % level.workspaceCount}`;
        const readStart = performance.now();
        const latest = await level.store.get(id);
        measure.readMs.push(performance.now() - readStart);
        const saveStart = performance.now();
        await level.store.save(id, document, { ifMatch: latest!.etag });
        measure.saveMs.push(performance.now() - saveStart);
      }
    }
    return measures;
  } finally {
    for (const level of levels) await level.close();
  }
}

/** Runs the workspace store benchmark and returns its figures. */
export async function runWorkspacesBench(): Promise<BenchResult[]> {
  const measures = new Map<number, LevelMeasure>();
  for (const level of LEVELS) measures.set(level, await measureLevel(level));
  const postgres = await measurePostgresLevels();
  const one = measures.get(1)!;
  const postgresOne = postgres.get(1)!;
  const results: BenchResult[] = [];
  for (const level of LEVELS) {
    const measure = measures.get(level)!;
    results.push(
      benchResult(`workspace read (p50), ${level} workspaces in one SQLite file`, percentile(measure.readMs, 50), 'ms', percentile(one.readMs, 50), 'ratio <= 1.5 (no growth with workspaces)'),
      benchResult(`workspace save (p50), ${level} workspaces in one SQLite file`, percentile(measure.saveMs, 50), 'ms', percentile(one.saveMs, 50), 'ratio <= 1.5 (no growth with workspaces)'),
    );
  }
  for (const level of LEVELS) {
    const measure = postgres.get(level)!;
    for (const [what, pick] of [['read', (m: LevelMeasure) => m.readMs], ['save', (m: LevelMeasure) => m.saveMs]] as const) {
      for (const p of [50, 99]) {
        results.push(
          benchResult(`workspace ${what} (p${p}), ${level} workspaces on PostgreSQL (baseline: PostgreSQL, 1 workspace)`, percentile(pick(measure), p), 'ms', percentile(pick(postgresOne), p), p === 50 ? 'ratio <= 1.5 (no growth with workspaces)' : 'informational'),
        );
      }
    }
  }
  for (const result of results) {
    console.log(`  ${result.name}: ${result.value} ${result.unit} (baseline ${result.baseline}, ratio ${result.ratio}, goal ${result.goal})`);
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runWorkspacesBench();
  process.exit(0);
}
