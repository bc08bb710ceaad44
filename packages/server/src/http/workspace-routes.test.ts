import { workspaceFromTeam, defaultTeam, type Capability } from '@marketing-team/core';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../stores/memory-store.js';
import { MemoryWorkspaceStore } from '../workspaces/memory-workspace-store.js';
import { testBrand } from '../workspaces/workspace-store-conformance.js';
import { createMarketingTeamServer, type MarketingTeamServer } from './create-server.js';

const ORIGIN = 'http://app.test';
const BASE = 'http://server.test/mt';

let server: MarketingTeamServer;
let workspaces: MemoryWorkspaceStore;

beforeEach(() => {
  workspaces = new MemoryWorkspaceStore();
  server = createMarketingTeamServer({
    store: new MemoryStore(),
    workspaces,
    tokens: { secret: randomBytes(32).toString('hex') },
    allowedOrigins: [ORIGIN],
    basePath: '/mt',
    onError: () => {},
  });
});
afterEach(async () => {
  await server.close();
  await workspaces.close();
});

function token(workspace: string | undefined, capabilities: Capability[], session?: string): Promise<string> {
  return server.tokens.mint({
    ...(session ? { session } : {}),
    ...(workspace ? { workspace } : {}),
    userId: `user-of-${workspace ?? 'default'}`,
    capabilities,
    ttlSeconds: 600,
  });
}

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; etag: string | null }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await server.fetch(new Request(`${BASE}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }));
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, etag: response.headers.get('etag') };
}

const create = { 'if-none-match': '*' };

describe('workspace API', () => {
  it('creates, reads, saves with If-Match, lists versions, reads one, rolls back', async () => {
    const admin = await token('acme', ['admin']);
    const created = await call('PUT', '/workspaces/acme', { token: admin, body: { brand: testBrand('Acme') }, headers: create });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ workspaceId: 'acme', version: 1, savedBy: 'user-of-acme' });
    expect(created.etag).toBe(`"${created.body.etag}"`);

    const read = await call('GET', '/workspaces/acme', { token: admin });
    expect(read.status).toBe(200);
    expect(read.body.document.brand.name).toBe('Acme');
    expect(read.etag).toBe(created.etag);

    const saved = await call('PUT', '/workspaces/acme', { token: admin, body: { brand: testBrand('Acme 2') }, headers: { 'if-match': read.etag! } });
    expect(saved.status).toBe(200);
    expect(saved.body.version).toBe(2);

    const brand = await call('PUT', '/workspaces/acme/brand', { token: admin, body: testBrand('Acme 3'), headers: { 'if-match': saved.etag! } });
    expect(brand.status).toBe(200);
    expect(brand.body.document.brand.name).toBe('Acme 3');
    expect((await call('GET', '/workspaces/acme/brand', { token: admin })).body.name).toBe('Acme 3');

    const list = await call('GET', '/workspaces/acme/versions?limit=2', { token: admin });
    expect(list.body.versions.map((entry: { version: number }) => entry.version)).toEqual([3, 2]);
    expect((await call('GET', '/workspaces/acme/versions?before=2', { token: admin })).body.versions).toHaveLength(1);
    const old = await call('GET', '/workspaces/acme/versions/1', { token: admin });
    expect(old.body.document.brand.name).toBe('Acme');

    const rolled = await call('POST', '/workspaces/acme/rollback', { token: admin, body: { version: 1 }, headers: { 'if-match': brand.etag! } });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ version: 4, rolledBackFrom: 1 });
    expect(rolled.body.document.brand.name).toBe('Acme');
  });

  it('replaces one section at a time, validating the whole result', async () => {
    const admin = await token('acme', ['admin']);
    const start = await call('PUT', '/workspaces/acme', { token: admin, body: workspaceFromTeam(defaultTeam), headers: create });
    const rules = await call('PUT', '/workspaces/acme/rules', {
      token: admin,
      body: [{ agent: 'content-creator', keywords: ['newsletter'] }],
      headers: { 'if-match': start.etag! },
    });
    expect(rules.status).toBe(200);
    expect(rules.body.document.rules).toHaveLength(1);
    // a skill still owned by an agent cannot disappear: the error names where it is used
    const skills = await call('PUT', '/workspaces/acme/skills', { token: admin, body: [], headers: { 'if-match': rules.etag! } });
    expect(skills.status).toBe(400);
    expect(skills.body).toMatchObject({ code: 'bad_frame', field: 'agents[0].skills[0]' });
  });

  it('adds, replaces and deletes one named skill, agent or function', async () => {
    const admin = await token('acme', ['admin']);
    const v1 = await call('PUT', '/workspaces/acme', { token: admin, body: { brand: testBrand('Acme') }, headers: create });
    const skill = { description: 'Writes launch posts.', instructions: 'Follow the template.', output: 'social-posts', references: [{ name: 'post.md', content: 'Hello' }] };
    const added = await call('PUT', '/workspaces/acme/skills/launch-post', { token: admin, body: skill, headers: { 'if-match': v1.etag! } });
    expect(added.status).toBe(200);
    expect(added.body.document.skills).toEqual([expect.objectContaining({ name: 'launch-post', references: [expect.objectContaining({ hash: expect.stringMatching(/^[0-9a-f]{64}$/) })] })]);
    const agent = { title: 'Social Writer', description: 'Writes posts.', systemPrompt: 'You write posts.', skills: ['launch-post'] };
    const withAgent = await call('PUT', '/workspaces/acme/agents/social-writer', { token: admin, body: agent, headers: { 'if-match': added.etag! } });
    expect(withAgent.status).toBe(200);
    const replaced = await call('PUT', '/workspaces/acme/skills/launch-post', { token: admin, body: { ...skill, description: 'Writes better launch posts.' }, headers: { 'if-match': withAgent.etag! } });
    expect(replaced.body.document.skills).toHaveLength(1);
    expect((await call('GET', '/workspaces/acme/skills/launch-post', { token: admin })).body.description).toBe('Writes better launch posts.');
    // the skill is owned: deleting it alone names the agent that still lists it
    const owned = await call('DELETE', '/workspaces/acme/skills/launch-post', { token: admin, headers: { 'if-match': replaced.etag! } });
    expect(owned).toMatchObject({ status: 400, body: { field: 'agents[0].skills[0]' } });
    const noAgent = await call('DELETE', '/workspaces/acme/agents/social-writer', { token: admin, headers: { 'if-match': replaced.etag! } });
    const noSkill = await call('DELETE', '/workspaces/acme/skills/launch-post', { token: admin, headers: { 'if-match': noAgent.etag! } });
    expect(noSkill.body.document).toMatchObject({ skills: [], agents: [] });
    expect((await call('GET', '/workspaces/acme/skills/launch-post', { token: admin })).status).toBe(404);
    expect((await call('DELETE', '/workspaces/acme/skills/launch-post', { token: admin, headers: { 'if-match': noSkill.etag! } })).status).toBe(404);
    const mismatch = await call('PUT', '/workspaces/acme/skills/launch-post', { token: admin, body: { ...skill, name: 'other' }, headers: { 'if-match': noSkill.etag! } });
    expect(mismatch).toMatchObject({ status: 400, body: { field: 'name' } });
    const invalidItem = await call('PUT', '/workspaces/acme/skills/launch-post', { token: admin, body: { ...skill, output: 'poem' }, headers: { 'if-match': noSkill.etag! } });
    expect(invalidItem).toMatchObject({ status: 400, body: { field: 'skills[0].output' } });
    const runToken = await token('acme', ['read', 'write', 'control'], 's1');
    expect((await call('DELETE', '/workspaces/acme/agents/x', { token: runToken, headers: { 'if-match': '*' } })).status).toBe(403);
  });

  it('answers a stale If-Match with 409 naming the current version, and a missing one with 428', async () => {
    const admin = await token('acme', ['admin']);
    const v1 = await call('PUT', '/workspaces/acme', { token: admin, body: {}, headers: create });
    const first = await call('PUT', '/workspaces/acme', { token: admin, body: { brand: testBrand('One') }, headers: { 'if-match': v1.etag! } });
    const second = await call('PUT', '/workspaces/acme', { token: admin, body: { brand: testBrand('Two') }, headers: { 'if-match': v1.etag! } });
    expect(first.status).toBe(200);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ type: 'error', code: 'conflict', field: 'ifMatch', currentVersion: 2 });
    expect(second.etag).toBe(first.etag);
    expect((await call('PUT', '/workspaces/acme', { token: admin, body: {}, headers: create })).status).toBe(409);
    const missing = await call('PUT', '/workspaces/acme', { token: admin, body: {} });
    expect(missing.status).toBe(428);
    expect(missing.body).toMatchObject({ code: 'bad_frame', field: 'If-Match' });
    const concurrent = await Promise.all(
      ['A', 'B'].map((name) => call('PUT', '/workspaces/acme', { token: admin, body: { brand: testBrand(name) }, headers: { 'if-match': first.etag! } })),
    );
    expect(concurrent.map((response) => response.status).sort()).toEqual([200, 409]);
  });

  describe('auth matrix', () => {
    const routes: Array<{ method: string; path: string; body?: unknown; write: boolean }> = [
      { method: 'GET', path: '/workspaces/acme', write: false },
      { method: 'GET', path: '/workspaces/acme/versions', write: false },
      { method: 'GET', path: '/workspaces/acme/versions/1', write: false },
      { method: 'GET', path: '/workspaces/acme/brand', write: false },
      { method: 'PUT', path: '/workspaces/acme', body: { brand: testBrand('Edited') }, write: true },
      { method: 'PUT', path: '/workspaces/acme/brand', body: testBrand('Edited'), write: true },
      { method: 'POST', path: '/workspaces/acme/rollback', body: { version: 1 }, write: true },
    ];
    const holders: Array<{ name: string; workspace: string | undefined; capabilities: Capability[]; session?: string; read: number; write: number }> = [
      { name: 'admin of acme', workspace: 'acme', capabilities: ['admin'], read: 200, write: 200 },
      { name: 'run token of acme (read, write, control)', workspace: 'acme', capabilities: ['read', 'write', 'control'], session: 's1', read: 200, write: 403 },
      { name: 'admin of globex', workspace: 'globex', capabilities: ['admin'], read: 403, write: 403 },
      { name: 'run token of globex', workspace: 'globex', capabilities: ['read', 'write', 'control'], session: 's2', read: 403, write: 403 },
      { name: 'admin without a workspace claim (the default workspace)', workspace: undefined, capabilities: ['admin'], read: 403, write: 403 },
    ];
    for (const holder of holders) {
      for (const route of routes) {
        const expected = route.write ? holder.write : holder.read;
        it(`${holder.name}: ${route.method} ${route.path} -> ${expected}`, async () => {
          const owner = await token('acme', ['admin']);
          const v1 = await call('PUT', '/workspaces/acme', { token: owner, body: { brand: testBrand('Acme') }, headers: create });
          const caller = await token(holder.workspace, holder.capabilities, holder.session);
          const response = await call(route.method, route.path, {
            token: caller,
            ...(route.body !== undefined ? { body: route.body } : {}),
            headers: route.write ? { 'if-match': v1.etag! } : {},
          });
          expect(response.status).toBe(expected);
          if (expected === 403) expect(response.body.code).toBe('forbidden');
          if (route.write && expected !== 200) expect((await call('GET', '/workspaces/acme', { token: owner })).body.version).toBe(1);
        });
      }
    }

    it('refuses requests without a token, with a bad one, and with a revoked one', async () => {
      expect((await call('GET', '/workspaces/acme')).status).toBe(401);
      expect((await call('GET', '/workspaces/acme', { token: 'not-a-token' })).body).toMatchObject({ code: 'unauthorized', field: 'token' });
      const admin = await token('acme', ['admin']);
      await server.revocations.revokeSubject('user-of-acme');
      expect((await call('GET', '/workspaces/acme', { token: admin })).status).toBe(401);
    });

    it('lets a token without a workspace claim edit the default workspace', async () => {
      const legacy = await token(undefined, ['admin']);
      expect((await call('PUT', '/workspaces/default', { token: legacy, body: {}, headers: create })).status).toBe(201);
    });

    it('keeps a session in the workspace of the first token that opened it', async () => {
      const open = async (workspace: string) => {
        const response = await server.fetch(
          new Request(`${BASE}/sessions/shared-session/events`, { headers: { authorization: `Bearer ${await token(workspace, ['read'], 'shared-session')}` } }),
        );
        await response.body?.cancel();
        return response.status;
      };
      expect(await open('acme')).toBe(200);
      expect(await open('globex')).toBe(403);
      expect(await open('acme')).toBe(200);
      expect(await workspaces.sessionWorkspace('shared-session')).toBe('acme');
      // routes a host mounts with server.tokens (Durable Streams, Ably) check the same binding
      await expect(server.tokens.verify(await token('globex', ['read'], 'shared-session'), 'shared-session')).rejects.toMatchObject({ code: 'forbidden', field: 'workspace' });
    });
  });

  describe('malformed bodies get a typed error naming the field', () => {
    const cases: Array<{ name: string; path: string; body?: unknown; rawBody?: string; field: string; status?: number }> = [
      { name: 'not JSON', path: '/workspaces/acme', rawBody: '{"brand":', field: 'body' },
      { name: 'not an object', path: '/workspaces/acme', body: [1, 2], field: '' },
      { name: 'unknown top-level field', path: '/workspaces/acme', body: { colour: 'red' }, field: 'colour' },
      { name: 'brand missing a field', path: '/workspaces/acme', body: { brand: { ...testBrand('X'), voiceGuide: undefined } }, field: 'brand.voiceGuide' },
      { name: 'brand field of the wrong type', path: '/workspaces/acme', body: { brand: { ...testBrand('X'), products: 'many' } }, field: 'brand.products' },
      { name: 'bad palette colour', path: '/workspaces/acme', body: { brand: { ...testBrand('X'), palette: ['red'] } }, field: 'brand.palette[0]' },
      { name: 'unknown brand field', path: '/workspaces/acme', body: { brand: { ...testBrand('X'), slogan: 'Hi' } }, field: 'brand.slogan' },
      { name: 'skill name not kebab-case', path: '/workspaces/acme', body: { skills: [{ name: 'Launch Post', description: 'd', instructions: 'i', output: 'social-posts' }] }, field: 'skills[0].name' },
      { name: 'skill output not a deliverable kind', path: '/workspaces/acme', body: { skills: [{ name: 'a', description: 'd', instructions: 'i', output: 'poem' }] }, field: 'skills[0].output' },
      { name: 'reference hash not SHA-256', path: '/workspaces/acme', body: { skills: [{ name: 'a', description: 'd', instructions: 'i', output: 'ad-copy', references: [{ name: 't.md', content: 'x', hash: 'abc' }] }] }, field: 'skills[0].references[0].hash' },
      { name: 'agent naming an unknown skill', path: '/workspaces/acme', body: { skills: [{ name: 'a', description: 'd', instructions: 'i', output: 'ad-copy' }], agents: [{ name: 'w', title: 'W', description: 'd', systemPrompt: 'p', skills: ['a', 'b'] }] }, field: 'agents[0].skills[1]' },
      { name: 'rule without keywords or deliverables', path: '/workspaces/acme', body: { rules: [{ agent: 'content-creator' }] }, field: 'rules[0].keywords' },
      { name: 'rule naming an unknown agent', path: '/workspaces/acme', body: { rules: [{ agent: 'nobody', keywords: ['x'] }] }, field: 'rules[0].agent' },
      { name: 'playbook step depending on a missing step', path: '/workspaces/acme', body: { playbook: { name: 'p', steps: [{ id: 'a', title: 'A', deliverable: 'ad-copy', dependsOn: ['b'] }] } }, field: 'playbook.steps[0].dependsOn[0]' },
      { name: 'function naming an unknown skill', path: '/workspaces/acme', body: { functions: [{ name: 'content', title: 'Content', skills: ['nope'] }] }, field: 'functions[0].skills[0]' },
      { name: 'section body of the wrong shape', path: '/workspaces/acme/brand', body: { name: '' }, field: 'brand.name' },
      { name: 'rules section not a list', path: '/workspaces/acme/rules', body: { agent: 'x' }, field: 'rules' },
    ];
    for (const testCase of cases) {
      it(`${testCase.name} -> ${testCase.field || '(root)'}`, async () => {
        const admin = await token('acme', ['admin']);
        const response = await call('PUT', testCase.path, {
          token: admin,
          headers: create,
          ...(testCase.rawBody !== undefined ? { rawBody: testCase.rawBody } : { body: testCase.body }),
        });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ type: 'error', code: 'bad_frame' });
        expect(response.body.field ?? '').toBe(testCase.field);
        expect(response.body.message).toContain(testCase.field || '(root)');
        expect(await workspaces.get('acme')).toBeUndefined();
      });
    }

    it('a rollback body without a version, or with extra fields', async () => {
      const admin = await token('acme', ['admin']);
      const v1 = await call('PUT', '/workspaces/acme', { token: admin, body: {}, headers: create });
      const missing = await call('POST', '/workspaces/acme/rollback', { token: admin, body: {}, headers: { 'if-match': v1.etag! } });
      expect(missing).toMatchObject({ status: 400, body: { field: 'version' } });
      const extra = await call('POST', '/workspaces/acme/rollback', { token: admin, body: { version: 1, force: true }, headers: { 'if-match': v1.etag! } });
      expect(extra).toMatchObject({ status: 400, body: { field: 'force' } });
      const bad = await call('GET', '/workspaces/acme/versions?limit=0', { token: admin });
      expect(bad).toMatchObject({ status: 400, body: { field: 'limit' } });
      expect((await call('GET', '/workspaces/bad%20id', { token: admin })).body).toMatchObject({ field: 'workspaceId' });
    });
  });

  it('serves the OpenAPI document generated from the core schemas', async () => {
    const response = await call('GET', '/workspaces/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(response.body.servers).toEqual([{ url: '/mt/workspaces' }]);
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining(['/{workspaceId}', '/{workspaceId}/versions', '/{workspaceId}/versions/{version}', '/{workspaceId}/rollback', '/{workspaceId}/brand', '/{workspaceId}/playbook']),
    );
    const brand = response.body.components.schemas.Brand;
    expect(brand.required).toEqual(['name', 'voiceGuide', 'styleGuide', 'strategy', 'audience', 'products']);
    expect(brand.additionalProperties).toBe(false);
    expect(response.body.components.schemas.WorkspaceDocument.properties.skills.items.properties.references.items.properties.hash.pattern).toBe('^[0-9a-f]{64}$');
  });
});
