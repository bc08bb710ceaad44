// A customer's brand, saved over the workspace API, reaches the briefs their users run, through
// the same Web-standard handler every adapter mounts; one SQLite file holds sessions and workspaces.
import { createDefaultTeam, type SessionRecord } from '@marketing-team/core';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMarketingTeamServer, type MarketingTeamServer } from '../src/http/create-server.js';
import { createOfflineProvider } from '../src/models/offline-provider.js';
import { createTeamRuntime } from '../src/runtime/team-runtime.js';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import { SqliteWorkspaceStore } from '../src/workspaces/sqlite-workspace-store.js';

const root = mkdtempSync(join(tmpdir(), 'mt-workspaces-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const BASE = 'http://server.test/mt';
const notely = {
  name: 'Notely',
  voiceGuide: 'Calm, exact, never breathless.',
  styleGuide: 'US spelling. Sentence case headings.',
  strategy: 'Become the recap tool product teams trust.',
  audience: 'Product managers at software companies.',
  products: [{ name: 'Notely AI Recap', description: 'Meeting recaps with decisions and owners.' }],
};

function setup(): { server: MarketingTeamServer; store: SqliteStore } {
  const path = join(root, `${randomBytes(4).toString('hex')}.db`);
  const store = new SqliteStore({ path });
  const workspaces = new SqliteWorkspaceStore({ path });
  const server = createMarketingTeamServer({
    store,
    workspaces,
    launcher: createTeamRuntime({ team: createDefaultTeam(), provider: createOfflineProvider({ tokensPerSecond: 1_000_000 }), workspaces, coalesceMs: 0 }),
    tokens: { secret: randomBytes(32).toString('hex') },
    allowedOrigins: ['http://app.test'],
    basePath: '/mt',
    onError: () => {},
  });
  closers.push(() => store.close(), () => workspaces.close(), () => server.close());
  return { server, store };
}

async function send(server: MarketingTeamServer, method: string, path: string, token: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await server.fetch(
    new Request(`${BASE}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function runEnded(store: SqliteStore, session: string, runId: string): Promise<SessionRecord[]> {
  return new Promise((resolve) => {
    const seen: SessionRecord[] = [];
    const subscription = store.subscribe(session, 0, (records) => {
      seen.push(...records);
      if (records.some((record) => ['run.completed', 'run.failed'].includes(record.event.type) && 'runId' in record.event && record.event.runId === runId)) {
        subscription.close();
        resolve(seen);
      }
    });
  });
}

describe('workspaces end to end', () => {
  it('a brief run in a workspace writes for its brand, never the sample one', async () => {
    const { server, store } = setup();
    const admin = await server.tokens.mint({ workspace: 'notely', userId: 'marketer', capabilities: ['admin'], ttlSeconds: 600 });
    expect((await send(server, 'PUT', '/workspaces/notely/brand', admin, notely, { 'if-none-match': '*' })).status).toBe(201);

    const runToken = await server.tokens.mint({ session: 'notely-s1', workspace: 'notely', userId: 'user-1', capabilities: ['read', 'write', 'control'], ttlSeconds: 600 });
    const ended = runEnded(store, 'notely-s1', 'run-1');
    const ack = await send(server, 'POST', '/sessions/notely-s1/messages', runToken, {
      type: 'publish',
      session: 'notely-s1',
      clientMsgId: 'brief-1',
      event: { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Launch AI recaps to product managers' } },
    });
    expect(ack.status).toBe(200);
    const records = await ended;
    const started = records.find((record) => record.event.type === 'run.started')!.event;
    expect(started).toMatchObject({ workspaceId: 'notely', workspaceVersion: 1 });
    expect(records.at(-1)!.event.type).toBe('run.completed');
    const output = JSON.stringify(records.filter((record) => record.event.type === 'deliverable.created'));
    expect(output).toContain('Notely');
    expect(output).not.toMatch(/brewline/i);

    // The run token cannot edit the team, and a token of another workspace cannot use the session.
    expect((await send(server, 'PUT', '/workspaces/notely/brand', runToken, notely, { 'if-match': '*' })).status).toBe(403);
    const intruder = await server.tokens.mint({ session: 'notely-s1', workspace: 'globex', userId: 'user-2', capabilities: ['read', 'write', 'control'], ttlSeconds: 600 });
    const refused = await send(server, 'POST', '/sessions/notely-s1/messages', intruder, {
      type: 'publish',
      session: 'notely-s1',
      clientMsgId: 'brief-2',
      event: { type: 'brief.submitted', runId: 'run-2', brief: { goal: 'Read their campaign' } },
    });
    expect(refused).toMatchObject({ status: 403, body: { code: 'forbidden', field: 'workspace' } });
  });
});
