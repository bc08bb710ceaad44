import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeliverableKindSchema,
  DeliverableSchema,
  createDefaultTeam,
  type SessionRecord,
  type SessionState,
} from '@marketing-team/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionGrant } from '../auth/token-issuer.js';
import { createOfflineProvider } from '../models/offline-provider.js';
import { SessionHub } from '../sessions/session-hub.js';
import { SqliteStore } from '../stores/sqlite-store.js';
import { exportRun } from './export-run.js';
import { createTeamRuntime } from './team-runtime.js';
import { summarizeUsage } from './usage-ledger.js';

const grant: SessionGrant = { userId: 'owner', capabilities: ['read', 'write', 'control'], expiresAt: Math.floor(Date.now() / 1000) + 3600 };
const session = 'campaign-e2e';
const runId = 'spring-launch';

function waitForRecord(store: SqliteStore, predicate: (record: SessionRecord) => boolean): Promise<SessionRecord> {
  return new Promise((resolve) => {
    const subscription = store.subscribe(session, 0, (batch) => {
      const found = batch.find(predicate);
      if (found) {
        queueMicrotask(() => subscription.close());
        resolve(found);
      }
    });
  });
}

describe('a default-team campaign with the offline model, through the session hub and a SQLite log', () => {
  let directory: string;
  let store: SqliteStore;
  let hub: SessionHub;
  let records: SessionRecord[];
  let state: SessionState;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'mt-campaign-'));
    store = new SqliteStore({ path: join(directory, 'sessions.db') });
    const runtime = createTeamRuntime({ team: createDefaultTeam(), provider: createOfflineProvider({ tokensPerSecond: 20_000 }) });
    hub = new SessionHub({ store, launcher: runtime });
    const ended = waitForRecord(store, (record) => ['run.completed', 'run.failed'].includes(record.event.type));
    await hub.publish(session, grant, 'brief-1', {
      type: 'brief.submitted',
      runId,
      brief: { goal: 'Launch the spring trail shoe to weekend hikers', channels: ['instagram', 'linkedin', 'x'] },
    });
    await ended;
    records = await store.read(session, 0);
    state = (await hub.snapshot(session)).state;
  });

  afterAll(async () => {
    await hub.close();
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('produces every deliverable kind, each valid against core’s schema and marked offline', () => {
    const run = state.runs[runId]!;
    expect(run.status).toBe('completed');
    expect(run.model).toMatchObject({ provider: 'offline', offline: true });
    const deliverables = run.deliverableIds.map((id) => state.deliverables[id]!);
    expect(deliverables.map((deliverable) => deliverable.kind).sort()).toEqual([...DeliverableKindSchema.options].sort());
    for (const deliverable of deliverables) {
      expect(DeliverableSchema.safeParse(deliverable).success).toBe(true);
      expect(deliverable.offline).toBe(true);
      expect(deliverable.issues.filter((issue) => !issue.repaired)).toEqual([]);
    }
    for (const record of records.filter((candidate) => candidate.event.type === 'message.started')) {
      expect(record.event).toMatchObject({ offline: true });
    }
  });

  it('keeps the log gapless and lean: offsets 1..n, fewer deltas than streamed chunks', () => {
    expect(records.map((record) => record.offset)).toEqual(records.map((_, index) => index + 1));
    const deltas = records.filter((record) => record.event.type === 'text.delta').length;
    const outputTokens = summarizeUsage(records).total.outputTokens;
    expect(deltas).toBeGreaterThan(0);
    expect(deltas).toBeLessThan(outputTokens);
  });

  it('sums usage in the ledger exactly as the usage events and the reduced state do', () => {
    const usageEvents = records.flatMap((record) => (record.event.type === 'usage' ? [record.event] : []));
    const summary = summarizeUsage(records);
    const sum = (key: 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'costUsd') =>
      usageEvents.reduce((total, event) => total + event[key], 0);
    expect(summary.total).toEqual({
      inputTokens: sum('inputTokens'),
      outputTokens: sum('outputTokens'),
      cacheReadTokens: sum('cacheReadTokens'),
      cacheWriteTokens: sum('cacheWriteTokens'),
      costUsd: sum('costUsd'),
    });
    expect(summary.total.outputTokens).toBeGreaterThan(0);
    expect(summary.total.cacheReadTokens).toBeGreaterThan(0);
    expect(summary.byRun[runId]).toEqual(summary.total);
    expect(summary.byRun[runId]).toEqual(state.runs[runId]!.usage);
    const agentOutput = Object.values(summary.byAgent).reduce((total, usage) => total + usage.outputTokens, 0);
    const skillOutput = Object.values(summary.bySkill).reduce((total, usage) => total + usage.outputTokens, 0);
    const deliverableOutput = Object.values(summary.byDeliverable).reduce((total, usage) => total + usage.outputTokens, 0);
    expect([agentOutput, skillOutput, deliverableOutput]).toEqual([sum('outputTokens'), sum('outputTokens'), sum('outputTokens')]);
    expect(Object.keys(summary.byDeliverable).sort()).toEqual([...state.runs[runId]!.deliverableIds].sort());
    for (const [agent, usage] of Object.entries(summary.byAgent)) expect(usage).toEqual(state.agents[agent]!.usage);
    // The reduced state (what a late joiner's snapshot carries) gives the same ledger.
    expect(summarizeUsage(state)).toEqual(summary);
  });

  it('exports the run as a folder of Markdown, HTML, SVG and JSON files with a README index', async () => {
    const target = join(directory, 'export');
    const exported = await exportRun(state, { runId, directory: target });
    const files = (await readdir(target)).sort();
    expect(files).toEqual(exported.files.slice().sort());
    const kinds = DeliverableKindSchema.options;
    expect(files).toEqual(
      [...kinds.flatMap((kind) => [`${kind}.md`, `${kind}.json`]), 'landing-page.html', 'banner.svg', 'banner.png', 'run.json', 'README.md'].sort(),
    );
    for (const id of state.runs[runId]!.deliverableIds) {
      const deliverable = state.deliverables[id]!;
      expect(JSON.parse(await readFile(join(target, `${deliverable.kind}.json`), 'utf8'))).toEqual(deliverable);
    }
    const landing = state.runs[runId]!.deliverableIds.map((id) => state.deliverables[id]!).find((deliverable) => deliverable.kind === 'landing-page')!;
    const html = await readFile(join(target, 'landing-page.html'), 'utf8');
    // the policy comes first, in a head the export builds; the page's content follows, sanitized
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">\n<head>\n<meta http-equiv="Content-Security-Policy"/);
    expect(landing.kind === 'landing-page' && html).toContain(landing.kind === 'landing-page' ? `<h1>${landing.data.headline}</h1>` : '');
    expect(await readFile(join(target, 'banner.png'))).toHaveProperty('length', expect.any(Number));
    expect(await readFile(join(target, 'banner.svg'), 'utf8')).toMatch(/^\s*(<\?xml[^>]*>\s*)?<svg/);
    const readme = await readFile(join(target, 'README.md'), 'utf8');
    for (const kind of kinds) expect(readme).toContain(`(${kind}.md)`);
    expect(readme).toContain('Launch the spring trail shoe');
    await expect(exportRun(state, { runId: 'missing', directory: target })).rejects.toMatchObject({ name: 'ExportRunError', field: 'runId' });
  });
});

describe('cancel and steer through the session hub', () => {
  let directory: string;
  let store: SqliteStore;
  let hub: SessionHub;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'mt-campaign-cancel-'));
    store = new SqliteStore({ path: join(directory, 'sessions.db') });
    // Slow enough that the run is still streaming when the controls arrive.
    const runtime = createTeamRuntime({ team: createDefaultTeam(), provider: createOfflineProvider({ tokensPerSecond: 50 }) });
    hub = new SessionHub({ store, launcher: runtime });
  });

  afterAll(async () => {
    await hub.close();
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('applies a steer, cancels one task, then the whole run, and nothing of the run follows run.cancelled', async () => {
    const run = 'hub-run';
    const streaming = waitForRecord(store, (record) => record.event.type === 'text.delta' && record.event.runId === run);
    await hub.publish(session, grant, 'brief-2', { type: 'brief.submitted', runId: run, brief: { goal: 'Spring trail shoe launch' } });
    await streaming;
    const competitors = `${run}:competitors`;
    const steer = await hub.steer(session, grant, { clientMsgId: 'steer-1', runId: run, instruction: 'Mention the recycled sole', mode: 'restart' });
    const cancelledTask = waitForRecord(store, (record) => record.event.type === 'task.cancelled' && record.event.taskId === competitors);
    await hub.cancel(session, grant, { clientMsgId: 'cancel-1', runId: run, scope: { taskId: competitors } });
    await cancelledTask;
    const cancelled = waitForRecord(store, (record) => record.event.type === 'run.cancelled' && record.event.runId === run);
    await hub.cancel(session, grant, { clientMsgId: 'cancel-2', runId: run });
    const end = await cancelled;
    await expect.poll(() => hub.ownedRuns(session)).toEqual([]);

    const log = await store.read(session, 0);
    const ofRun = log.filter((record) => 'runId' in record.event && record.event.runId === run);
    expect(ofRun.filter((record) => record.offset > end.offset)).toEqual([]);
    const restarted = ofRun.filter((record) => record.event.type === 'message.completed' && record.event.stopReason === 'restarted');
    expect(restarted.length).toBeGreaterThan(0);
    const applied = ofRun.filter((record) => record.event.type === 'steer.applied');
    expect(applied.length).toBeGreaterThan(0);
    for (const record of applied) expect(record.event).toMatchObject({ steerOffset: steer.offset });
    const state = (await hub.snapshot(session)).state;
    expect(state.runs[run]?.status).toBe('cancelled');
    expect(state.runs[run]?.tasks[competitors]?.status).toBe('cancelled');
  });
});

describe('a review gate through the session hub', () => {
  it('holds dependants until a person approves, after asking for changes once', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'mt-review-'));
    const store = new SqliteStore({ path: join(directory, 'sessions.db') });
    const runtime = createTeamRuntime({ team: createDefaultTeam(), provider: createOfflineProvider({ tokensPerSecond: 20_000 }) });
    const hub = new SessionHub({ store, launcher: runtime });
    try {
      const gated = 'gated-run';
      const requested = () => waitForRecord(store, (record) => record.event.type === 'review.requested');
      let review = requested();
      await hub.publish(session, grant, 'brief-gated', {
        type: 'brief.submitted',
        runId: gated,
        brief: { goal: 'Launch the trail shoe', deliverables: ['campaign-strategy'], reviewGates: ['research-brief'] },
      });
      const first = await review;
      const taskId = (first.event as { taskId: string }).taskId;
      // Nothing downstream of the gated task starts while the gate is closed.
      const waiting = (await hub.snapshot(session)).state.runs[gated]!;
      const dependants = Object.values(waiting.tasks).filter((task) => task.dependsOn.includes(taskId));
      expect(dependants.length).toBeGreaterThan(0);
      expect(dependants.map((task) => task.status)).toEqual(dependants.map(() => 'todo'));
      expect(waiting.tasks[taskId]!.status).toBe('review');
      review = waitForRecord(store, (record) => record.event.type === 'review.requested' && record.offset > first.offset);
      await hub.publish(session, grant, 'changes-1', { type: 'review.changes_requested', runId: gated, taskId, comment: 'Name the audience first' });
      await review;
      const ended = waitForRecord(store, (record) => record.event.type === 'run.completed' && (record.event as { runId: string }).runId === gated);
      await hub.publish(session, grant, 'approve-1', { type: 'review.approved', runId: gated, taskId });
      await ended;
      const run = (await hub.snapshot(session)).state.runs[gated]!;
      expect(run.status).toBe('completed');
      expect(Object.values(run.tasks).every((task) => task.status === 'done')).toBe(true);
    } finally {
      await hub.close();
      await store.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
