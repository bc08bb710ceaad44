// A full default-team campaign with the offline model at a fixed token rate, through the real
// session hub on the embedded SQLite log. Reports how close the engine's wall time comes to the
// DAG's critical path (the longest dependency chain of measured task durations: no schedule can
// beat it), the session layer's cost per text delta (time spent in `append`), and how much
// parallel scheduling saves over running the same tasks one at a time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDefaultTeam, type PlannedTask, type SessionEvent, type SessionRecord } from '@marketing-team/core';
import {
  MemoryStore,
  SessionHub,
  createOfflineProvider,
  createTeamRuntime,
  criticalPath,
  type RunContext,
  type RunLauncher,
  type SessionStore,
  type TaskTiming,
} from '@marketing-team/server';
import { SqliteStore } from '@marketing-team/server/sqlite';
import { benchResult, percentile, type BenchResult } from './bench-result.js';

/** Chunks per second of every generation; fixed so that runs are comparable. */
const TOKENS_PER_SECOND = 400;

interface CampaignMeasure {
  wallMs: number;
  plan: PlannedTask[];
  timings: TaskTiming[];
  /** Milliseconds spent in `append` for each `text.delta` event. */
  deltaAppendMs: number[];
  chunks: number;
  deliverables: number;
}

async function runCampaign(concurrency: number, storeKind: 'sqlite' | 'memory' = 'sqlite'): Promise<CampaignMeasure> {
  const directory = mkdtempSync(join(tmpdir(), 'mt-campaign-bench-'));
  // SQLite (the embedded default, fsync on every commit) or memory (the session layer alone, no disk).
  const store: SessionStore = storeKind === 'sqlite' ? new SqliteStore({ path: join(directory, 'sessions.db') }) : new MemoryStore();
  const runtime = createTeamRuntime({
    team: createDefaultTeam(),
    provider: createOfflineProvider({ tokensPerSecond: TOKENS_PER_SECOND }),
    concurrency,
  });
  const started = new Map<string, number>();
  const ended = new Map<string, number>();
  const deltaAppendMs: number[] = [];
  let plan: PlannedTask[] = [];
  // Times every append the run makes, exactly where the runtime meets the session layer.
  const timed: RunLauncher = {
    launch: (context: RunContext) =>
      runtime.launch({
        session: context.session,
        runId: context.runId,
        brief: context.brief,
        submittedBy: context.submittedBy,
        briefOffset: context.briefOffset,
        signal: context.signal,
        onControl: (listener) => context.onControl(listener),
        append: async (events: SessionEvent[]) => {
          const before = performance.now();
          const records = await context.append(events);
          const after = performance.now();
          for (const event of events) {
            if (event.type === 'text.delta') deltaAppendMs.push((after - before) / events.length);
            else if (event.type === 'run.started') plan = event.tasks;
            else if (event.type === 'task.started' && !started.has(event.taskId)) started.set(event.taskId, before);
            else if (event.type === 'task.completed') ended.set(event.taskId, after);
          }
          return records;
        },
      }),
  };
  const hub = new SessionHub({ store, launcher: timed });
  const session = `bench-${concurrency}`;
  const done = new Promise<SessionRecord>((resolve) => {
    const subscription = store.subscribe(session, 0, (batch) => {
      const end = batch.find((record) => record.event.type === 'run.completed' || record.event.type === 'run.failed');
      if (end) {
        queueMicrotask(() => subscription.close());
        resolve(end);
      }
    });
  });
  const grant = { userId: 'bench', capabilities: ['read', 'write', 'control'] as const, expiresAt: Math.floor(Date.now() / 1000) + 3600 };
  const begin = performance.now();
  await hub.publish(session, { ...grant, capabilities: [...grant.capabilities] }, 'brief', {
    type: 'brief.submitted',
    runId: 'run',
    brief: { goal: 'Launch the spring trail shoe to weekend hikers' },
  });
  const end = await done;
  const wallMs = performance.now() - begin;
  if (end.event.type !== 'run.completed') throw new Error(`the campaign did not complete: ${JSON.stringify(end.event)}`);
  const records = await store.read(session, 0);
  const chunks = records.reduce((total, record) => total + (record.event.type === 'usage' ? record.event.outputTokens : 0), 0);
  await hub.close();
  await store.close();
  rmSync(directory, { recursive: true, force: true });
  const timings = [...started].map(([taskId, startedAt]) => ({ taskId, startedAt, endedAt: ended.get(taskId) ?? startedAt }));
  return { wallMs, plan, timings, deltaAppendMs, chunks, deliverables: end.event.deliverableIds.length };
}

/** Runs the campaign bench and returns its figures. */
export async function runCampaignBench(): Promise<BenchResult[]> {
  // A first run warms up module loading and the JIT; its figures are discarded.
  await runCampaign(8);
  const parallel = await runCampaign(8);
  const path = criticalPath(parallel.plan, parallel.timings);
  const serial = await runCampaign(1);
  const inMemory = await runCampaign(8, 'memory');
  const mean = (values: number[]) => values.reduce((total, ms) => total + ms, 0) / Math.max(1, values.length);
  const tokenIntervalMs = 1000 / TOKENS_PER_SECOND;
  const results = [
    benchResult('campaign wall time vs critical path (8 tasks, offline model)', parallel.wallMs, 'ms', path.durationMs, 'ratio <= 1.1'),
    benchResult('campaign wall time, parallel vs one task at a time', parallel.wallMs, 'ms', serial.wallMs, 'ratio <= 0.5'),
    // Appends are pipelined (chunks that arrive meanwhile join the next delta), so an append slower
    // than a token interval costs log size, not stream speed; the ratio says how often that happens.
    benchResult('time in append per text.delta, SQLite with fsync (mean)', mean(parallel.deltaAppendMs), 'ms', tokenIntervalMs, 'ratio <= 1 token interval'),
    benchResult('time in append per text.delta, SQLite with fsync (p99)', percentile(parallel.deltaAppendMs, 99), 'ms', tokenIntervalMs, 'informational (disk-bound)'),
    benchResult('time in append per text.delta, memory store (mean)', mean(inMemory.deltaAppendMs), 'ms', tokenIntervalMs, 'ratio <= 0.1 token interval'),
    benchResult('time in append per text.delta, memory store (p99)', percentile(inMemory.deltaAppendMs, 99), 'ms', tokenIntervalMs, 'ratio <= 0.5 token interval'),
    benchResult('text.delta events per streamed chunk (coalescing)', parallel.deltaAppendMs.length, 'deltas', parallel.chunks, 'ratio <= 1'),
  ];
  for (const result of results) {
    console.log(`  ${result.name}: ${result.value} ${result.unit} (baseline ${result.baseline}, ratio ${result.ratio}, goal ${result.goal})`);
  }
  console.log(`  critical path: ${path.taskIds.join(' -> ')}; deliverables: ${parallel.deliverables}`);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runCampaignBench();
  process.exit(0);
}
