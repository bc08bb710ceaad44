import { createDefaultTeam, teamContentHash, teamFromWorkspace, type SessionRecord } from '@marketing-team/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../stores/sqlite-store.js';
import { SqliteWorkspaceStore } from '../workspaces/sqlite-workspace-store.js';
import { testBrand } from '../workspaces/workspace-store-conformance.js';
import { createOfflineProvider } from '../models/offline-provider.js';
import { createTeamRuntime } from './team-runtime.js';
import { createControlledProvider, type ControlledCall } from './testing/controlled-provider.js';
import { createStoreRunHarness, type StoreRunHarness } from './testing/store-run-context.js';

const root = mkdtempSync(join(tmpdir(), 'mt-workspace-runs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const brief = { goal: 'Launch meeting recaps to product teams' } as const;
const fallbackTeam = createDefaultTeam();

async function setup(name: string) {
  // Sessions and workspaces in one SQLite file, as a deployment would have them.
  const path = join(root, `${name}.db`);
  const store = new SqliteStore({ path });
  const workspaces = new SqliteWorkspaceStore({ path });
  closers.push(() => store.close(), () => workspaces.close());
  const provider = createControlledProvider();
  const runtime = createTeamRuntime({ team: fallbackTeam, provider, workspaces, coalesceMs: 0 });
  const run = async (runId: string, session = 'session-1'): Promise<StoreRunHarness> => {
    const harness = await createStoreRunHarness({ store, session, runId, brief });
    closers.push(() => harness.close());
    return harness;
  };
  return { store, workspaces, provider, runtime, run };
}

const started = (records: SessionRecord[]) => records.find((record) => record.event.type === 'run.started')!.event as Extract<SessionRecord['event'], { type: 'run.started' }>;
const systemText = (call: ControlledCall) => call.request.system.map((block) => block.text).join('\n');
const deliverableText = (records: SessionRecord[]) =>
  JSON.stringify(records.filter((record) => record.event.type === 'deliverable.created').map((record) => record.event));

describe('runs use their workspace', () => {
  it('pins the team a run started with: a brand saved mid-run reaches only the next run', async () => {
    const { workspaces, provider, runtime, run } = await setup('pinned');
    await workspaces.bindSession('session-1', 'acme');
    const v1 = await workspaces.save('acme', { brand: testBrand('Oldbrand') }, { ifMatch: null });

    provider.hold('research-brief');
    const first = await run('run-1');
    const firstDone = runtime.launch(first.context);
    const held = await provider.waitForCall('research-brief');
    expect(systemText(held)).toContain('Oldbrand');

    // The marketer saves a new brand while run 1 is generating.
    const v2 = await workspaces.save('acme', { brand: testBrand('Newbrand') }, { ifMatch: v1.etag, savedBy: 'marketer' });
    provider.unhold('research-brief');
    await firstDone;
    const callsOfFirst = provider.calls.length;

    const firstRecords = await first.records();
    expect(started(firstRecords)).toMatchObject({
      workspaceId: 'acme',
      workspaceVersion: 1,
      teamHash: teamContentHash(teamFromWorkspace(v1.document)),
    });
    for (const call of provider.calls) {
      expect(systemText(call)).toContain('Oldbrand');
      expect(systemText(call)).not.toContain('Newbrand');
    }
    expect(deliverableText(firstRecords)).not.toContain('Newbrand');
    // every device sees which team version wrote the run
    expect((await first.state()).runs['run-1']!.team).toEqual({ hash: started(firstRecords).teamHash, workspaceId: 'acme', workspaceVersion: 1 });
    expect(firstRecords.at(-1)!.event.type).toBe('run.completed');

    const second = await run('run-2');
    await runtime.launch(second.context);
    const secondRecords = await second.records();
    const secondStarted = started(secondRecords.filter((record) => 'runId' in record.event && record.event.runId === 'run-2'));
    expect(secondStarted).toMatchObject({ workspaceId: 'acme', workspaceVersion: 2, teamHash: teamContentHash(teamFromWorkspace(v2.document)) });
    expect(secondStarted.teamHash).not.toBe(started(firstRecords).teamHash);
    const callsOfSecond = provider.calls.slice(callsOfFirst);
    expect(callsOfSecond.length).toBeGreaterThan(0);
    for (const call of callsOfSecond) {
      expect(systemText(call)).toContain('Newbrand');
      expect(systemText(call)).not.toContain('Oldbrand');
    }
  });

  it('runs the fallback team, recording its hash, while the workspace has no version', async () => {
    const { runtime, run } = await setup('fallback');
    const harness = await run('run-1', 'unbound-session');
    await runtime.launch(harness.context);
    expect(started(await harness.records())).toMatchObject({ workspaceId: 'default', teamHash: teamContentHash(fallbackTeam) });
    expect(started(await harness.records())).not.toHaveProperty('workspaceVersion');
  });

  it('fails the run with a typed, retryable error when the workspace cannot be read', async () => {
    const { store, workspaces, provider } = await setup('unreadable');
    await workspaces.close();
    const runtime = createTeamRuntime({ team: fallbackTeam, provider, workspaces, coalesceMs: 0 });
    const harness = await createStoreRunHarness({ store, session: 'session-1', runId: 'run-1', brief });
    closers.push(() => harness.close());
    await runtime.launch(harness.context);
    const last = (await harness.records()).at(-1)!.event;
    expect(last).toMatchObject({ type: 'run.failed', runId: 'run-1', error: { code: 'internal', retryable: true } });
    expect(provider.calls).toEqual([]);
  });

  it('runs a workspace team of its own agents and skills', async () => {
    const { workspaces, provider, runtime, run } = await setup('own-team');
    await workspaces.bindSession('session-1', 'acme');
    await workspaces.save(
      'acme',
      {
        brand: testBrand('Acme'),
        skills: [{ name: 'launch-post', description: 'Writes launch posts.', instructions: 'Write the launch post.', output: 'social-posts' }],
        agents: [{ name: 'social-writer', title: 'Social Writer', description: 'Writes social posts.', systemPrompt: 'You write posts.', skills: ['launch-post'] }],
      },
      { ifMatch: null },
    );
    const harness = await run('run-1');
    await runtime.launch(harness.context);
    const event = started(await harness.records());
    expect(event.tasks.map((task) => [task.agent, task.skill])).toEqual([['social-writer', 'launch-post']]);
    expect(provider.calls.map((call) => call.skill)).toEqual(['launch-post']);
  });

  it("writes offline drafts for the workspace's brand and never pastes the brief into public copy", async () => {
    const { store, workspaces } = await setup('offline-brand');
    await workspaces.bindSession('session-1', 'notely');
    await workspaces.save(
      'notely',
      {
        brand: {
          ...testBrand('Notely'),
          voiceGuide: 'Calm, clear and friendly. Short sentences.',
          audience: 'Product managers and designers at software companies.',
          products: [
            { name: 'Notely', description: 'A note-taking app with shared notebooks.' },
            { name: 'Notely AI Recap', description: 'Meeting summaries and action items after every call.' },
          ],
        },
      },
      { ifMatch: null },
    );
    // the fallback team is the sample brand's: a run in this workspace must not use it
    const runtime = createTeamRuntime({ team: fallbackTeam, provider: createOfflineProvider({ tokensPerSecond: 1_000_000 }), workspaces, coalesceMs: 0 });
    const notelyBrief = {
      goal: 'Get 500 trial signups for Notely AI Recap from product teams before the Q3 planning season',
      audience: 'IT admins and product managers at 50-500 person software companies',
      product: 'Notely AI Recap',
      notes: 'Lean on the Google Meet and Zoom integration; no discounts this quarter',
      channels: ['linkedin', 'x', 'instagram'],
    } as const;
    const harness = await createStoreRunHarness({ store, session: 'session-1', runId: 'run-1', brief: { ...notelyBrief, channels: [...notelyBrief.channels] } });
    closers.push(() => harness.close());
    await runtime.launch(harness.context);
    const records = await harness.records();
    expect(records.at(-1)!.event.type).toBe('run.completed');
    const everything = JSON.stringify(records);
    expect(everything).not.toContain('Brewline');
    expect(everything).not.toMatch(/café/i);
    const deliverables = records.flatMap((record) => (record.event.type === 'deliverable.created' ? [record.event.deliverable] : []));
    expect(deliverables.length).toBeGreaterThanOrEqual(6);
    for (const deliverable of deliverables) {
      expect(deliverable.offline).toBe(true);
      if (!['social-posts', 'ad-copy', 'landing-page', 'creative-concepts'].includes(deliverable.kind)) continue;
      const text = JSON.stringify({ markdown: deliverable.markdown, data: deliverable.data });
      expect(text).toContain('Notely');
      for (const field of [notelyBrief.goal, notelyBrief.audience, notelyBrief.notes]) expect(text).not.toContain(field);
      expect(text).not.toMatch(/placeholder|\(customer quote/i);
    }
  });
});
