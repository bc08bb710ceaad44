import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createOfflineProvider } from '../models/offline-provider.js';
import { MemoryStore } from '../stores/memory-store.js';
import { MemoryWorkspaceStore } from '../workspaces/memory-workspace-store.js';
import { createMarketingTeamServer, type MarketingTeamServer } from './create-server.js';

const BASE = 'http://server.test/mt';
const TEMPLATE = { name: 'launch-post.md', content: '# Launch day\n\nShort, warm and specific. One call to action.\n\n- Try it free' };

let server: MarketingTeamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function start(withProvider: boolean): MarketingTeamServer {
  server = createMarketingTeamServer({
    store: new MemoryStore(),
    workspaces: new MemoryWorkspaceStore(),
    tokens: { secret: randomBytes(32).toString('hex') },
    allowedOrigins: [],
    basePath: '/mt',
    onError: () => {},
    ...(withProvider ? { analysisProvider: createOfflineProvider({ tokensPerSecond: 100_000 }) } : {}),
  });
  return server;
}

async function analyse(target: MarketingTeamServer, token: string, body: unknown, workspace = 'acme') {
  const response = await target.fetch(
    new Request(`${BASE}/workspaces/${workspace}/reference-analysis`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('POST /workspaces/:id/reference-analysis', () => {
  it('returns the report the model wrote and the template hash, for an admin of the workspace', async () => {
    const target = start(true);
    const admin = await target.tokens.mint({ workspace: 'acme', userId: 'editor', capabilities: ['admin'], ttlSeconds: 60 });
    const { status, body } = await analyse(target, admin, { template: TEMPLATE });
    expect(status).toBe(200);
    expect(body.templateHash).toMatch(/^[0-9a-f]{64}$/);
    expect(String(body.report)).toContain('##');
  });

  it('needs admin on that workspace and names the bad field of a body', async () => {
    const target = start(true);
    const reader = await target.tokens.mint({ session: 'acme-run', workspace: 'acme', userId: 'reader', capabilities: ['read', 'write'], ttlSeconds: 60 });
    expect((await analyse(target, reader, { template: TEMPLATE })).status).toBe(403);
    const other = await target.tokens.mint({ workspace: 'other', userId: 'editor', capabilities: ['admin'], ttlSeconds: 60 });
    expect((await analyse(target, other, { template: TEMPLATE })).status).toBe(403);
    const admin = await target.tokens.mint({ workspace: 'acme', userId: 'editor', capabilities: ['admin'], ttlSeconds: 60 });
    const bad = await analyse(target, admin, { template: { name: '../x', content: '' } });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('template.name');
  });

  it('is off without a provider', async () => {
    const target = start(false);
    const admin = await target.tokens.mint({ workspace: 'acme', userId: 'editor', capabilities: ['admin'], ttlSeconds: 60 });
    expect((await analyse(target, admin, { template: TEMPLATE })).status).toBe(404);
  });
});
