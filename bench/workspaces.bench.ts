// Workspace read and save latency in one SQLite file holding 1, 100 and 10,000 workspaces (each
// a full default-team document with two versions), beside the sessions' tables. Every statement is keyed by primary key, so
// the cost should not grow with the number of workspaces: each level is reported against the
// 1-workspace figure measured in the same run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultTeam, workspaceFromTeam, type WorkspaceDocumentInput } from '@marketing-team/core';
import { SqliteStore, SqliteWorkspaceStore } from '@marketing-team/server/sqlite';
import { benchResult, percentile, type BenchResult } from './bench-result.js';

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

/** Runs the workspace store benchmark and returns its figures. */
export async function runWorkspacesBench(): Promise<BenchResult[]> {
  const measures = new Map<number, LevelMeasure>();
  for (const level of LEVELS) measures.set(level, await measureLevel(level));
  const one = measures.get(1)!;
  const results: BenchResult[] = [];
  for (const level of LEVELS) {
    const measure = measures.get(level)!;
    results.push(
      benchResult(`workspace read (p50), ${level} workspaces in one SQLite file`, percentile(measure.readMs, 50), 'ms', percentile(one.readMs, 50), 'ratio <= 1.5 (no growth with workspaces)'),
      benchResult(`workspace save (p50), ${level} workspaces in one SQLite file`, percentile(measure.saveMs, 50), 'ms', percentile(one.saveMs, 50), 'ratio <= 1.5 (no growth with workspaces)'),
    );
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
