import { defaultTeam, workspaceFromTeam, type Capability } from '@marketing-team/core';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../stores/memory-store.js';
import { MemoryWorkspaceStore } from '../workspaces/memory-workspace-store.js';
import { testBrand } from '../workspaces/workspace-store-conformance.js';
import { createMarketingTeamServer, type MarketingTeamServer } from './create-server.js';

let server: MarketingTeamServer;
let workspaces: MemoryWorkspaceStore;

beforeEach(() => {
  workspaces = new MemoryWorkspaceStore();
  server = createMarketingTeamServer({
    store: new MemoryStore(),
    workspaces,
    tokens: { secret: randomBytes(32).toString('hex') },
    allowedOrigins: ['http://app.test'],
    basePath: '/mt',
    onError: () => {},
  });
});
afterEach(async () => {
  await server.close();
  await workspaces.close();
});

// tokens without admin are session tokens; the session is bound to the token's workspace
const token = (workspace: string, capabilities: Capability[]) =>
  server.tokens.mint({ workspace, userId: `user-of-${workspace}`, capabilities, ttlSeconds: 600, ...(capabilities.includes('admin') ? {} : { session: `${workspace}-session` }) });

async function post(path: string, body: unknown, bearer?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) };
  const response = await server.fetch(new Request(`http://server.test/mt${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }));
  return { status: response.status, body: JSON.parse(await response.text()) };
}

const skill = (name: string, output: string) => ({ name, description: `${name} skill`, instructions: `Write ${name}.`, output });
const agent = (name: string, skills: string[]) => ({ name, title: name, description: `${name} agent`, systemPrompt: `You are ${name}.`, skills });

describe('team assembly checks over the API', () => {
  it('POST /check lists every problem of a draft, located, and saves nothing', async () => {
    const reader = await token('acme', ['read']);
    const draft = {
      brand: testBrand('Acme'),
      skills: [skill('posts', 'social-posts'), skill('ads', 'ad-copy'), skill('threads', 'social-posts')],
      agents: [agent('writer', ['posts', 'ads']), agent('designer', ['ads']), agent('copycat', ['threads'])],
    };
    const checked = await post('/workspaces/acme/check', draft, reader);
    expect(checked.status).toBe(200);
    expect(checked.body.ok).toBe(false);
    expect(checked.body.issues).toEqual([
      expect.objectContaining({ path: 'agents[1].skills[0]', message: expect.stringContaining('skill "ads" is also owned by agent writer (agents[0].skills[1])') }),
      expect.objectContaining({ path: 'agents[1].skills[0].output', message: expect.stringContaining('"ad-copy" is also produced by agent writer') }),
      expect.objectContaining({ path: 'agents[2].skills[0].output', message: expect.stringContaining('"social-posts" is also produced by agent writer (agents[0].skills[0])') }),
    ]);
    expect(await workspaces.get('acme')).toBeUndefined();
    expect((await post('/workspaces/acme/check', workspaceFromTeam(defaultTeam), reader)).body).toEqual({ ok: true, issues: [] });
    expect((await post('/workspaces/acme/check', '{not json', reader)).body).toMatchObject({ code: 'bad_frame', field: 'body' });
  });

  it('POST /route says which agent and skill would take a request and why, for the saved team or a draft', async () => {
    const admin = await token('acme', ['admin']);
    const reader = await token('acme', ['read']);
    // never saved: the default team
    const fresh = await post('/workspaces/acme/route', { request: 'A landing page for the launch' }, reader);
    expect(fresh).toMatchObject({ status: 200, body: { routed: true, agent: 'content-creator', skill: 'landing-page', via: 'rule', reason: expect.stringContaining('landing page') } });
    expect(fresh.body.version).toBeUndefined();

    const own = { brand: testBrand('Acme'), skills: [skill('launch-notes', 'social-posts')], agents: [agent('writer', ['launch-notes'])], rules: [{ agent: 'writer', keywords: ['release'] }] };
    await server.fetch(new Request('http://server.test/mt/workspaces/acme', { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'if-none-match': '*' }, body: JSON.stringify(own) }));
    expect((await post('/workspaces/acme/route', { request: 'Notes for the release' }, reader)).body).toMatchObject({ routed: true, agent: 'writer', skill: 'launch-notes', version: 1 });
    expect((await post('/workspaces/acme/route', { request: 'A landing page' }, reader)).body).toMatchObject({ routed: false, code: 'no_match', field: 'text' });
    // a draft is routed without saving it
    const draft = { ...own, rules: [{ agent: 'writer', keywords: ['landing page'] }] };
    expect((await post('/workspaces/acme/route', { request: 'A landing page', document: draft }, reader)).body).toMatchObject({ routed: true, agent: 'writer' });

    const bad = await post('/workspaces/acme/route', { request: 'x', document: { agents: [agent('writer', ['ghost'])] } }, reader);
    expect(bad).toMatchObject({ status: 400, body: { code: 'bad_frame', field: 'document.agents[0].skills[0]' } });
    expect(await post('/workspaces/acme/route', { request: '' }, reader)).toMatchObject({ status: 400, body: { field: 'request' } });
    expect((await post('/workspaces/acme/route', { text: 'x' }, reader)).body).toMatchObject({ code: 'bad_frame' });
  });

  it('needs read or admin of the same workspace', async () => {
    for (const path of ['/workspaces/acme/check', '/workspaces/acme/route']) {
      const body = path.endsWith('route') ? { request: 'posts' } : {};
      expect((await post(path, body)).status).toBe(401);
      expect((await post(path, body, await token('acme', ['write', 'control']))).status).toBe(403);
      expect((await post(path, body, await token('other', ['admin']))).status).toBe(403);
      expect((await post(path, body, await token('other', ['read']))).status).toBe(403);
      expect((await post(path, body, await token('acme', ['read']))).status).toBe(200);
      expect((await post(path, body, await token('acme', ['admin']))).status).toBe(200);
    }
  });
});
