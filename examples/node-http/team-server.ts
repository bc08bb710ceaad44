// The host app's backend pieces: the session server with the embedded defaults (SQLite on
// local disk, the default team on the offline model, no keys) and the route that mints tokens.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createDefaultTeam } from '@marketing-team/core';
import { createMarketingTeamServer, createOfflineProvider, createTeamRuntime } from '@marketing-team/server';
import { SqliteStore } from '@marketing-team/server/sqlite';

/** Paths the widget's self-contained build is served at: the element, and the chunks it loads as it needs them. */
export const WIDGET_PATH = /^\/(?:marketing-team\.js|marketing-team-chunks\/[\w-]+\.js)$/;

/**
 * A file of the widget's self-contained build by its path (`/marketing-team.js`, or a chunk of
 * `/marketing-team-chunks/` beside it, which the element imports relative to its own URL), or
 * a hint when it was not built yet.
 */
export function widgetScript(pathname = '/marketing-team.js'): { status: number; body: string } {
  if (!WIDGET_PATH.test(pathname)) return { status: 404, body: '' };
  try {
    const file = createRequire(import.meta.url).resolve('@marketing-team/widget/marketing-team.js');
    return { status: 200, body: readFileSync(join(dirname(file), pathname), 'utf8') };
  } catch {
    return { status: 404, body: 'console.error("build the widget first: pnpm --filter @marketing-team/widget build")' };
  }
}

export const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.DATA_DIR ?? '.data';
mkdirSync(dataDir, { recursive: true });

export const store = new SqliteStore({ path: join(dataDir, 'sessions.db') });
export const server = createMarketingTeamServer({
  store,
  launcher: createTeamRuntime({ team: createDefaultTeam(), provider: createOfflineProvider({ tokensPerSecond: Number(process.env.TOKENS_PER_SECOND ?? 40) }) }),
  tokens: { secret: requiredSecret() },
  allowedOrigins: [`http://localhost:${port}`, `http://127.0.0.1:${port}`],
  basePath: '/mt',
});

/**
 * `GET /api/mt-token?session=…`: your backend decides who may join which session. Here every
 * visitor is the same demo user; in your app, read the signed-in user from your own session.
 */
export async function mintToken(session: unknown): Promise<{ status: number; body: { token: string } | { error: string } }> {
  try {
    const token = await server.tokens.mint({ session: String(session ?? ''), userId: 'demo-user', userName: 'Demo user', capabilities: ['read', 'write', 'control'], ttlSeconds: 3600 });
    return { status: 200, body: { token } };
  } catch (error) {
    return { status: 400, body: { error: error instanceof Error ? error.message : 'refused' } };
  }
}

/** The page: the widget's one-tag build, and a `getToken` that asks this backend for tokens. */
export const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>marketing-team</title>
<script type="module" src="/marketing-team.js"></script></head>
<body><marketing-team endpoint="/mt" session="example-demo"></marketing-team>
<script type="module">
  document.querySelector('marketing-team').getToken = async (session) =>
    (await (await fetch('/api/mt-token?session=' + encodeURIComponent(session))).json()).token;
</script></body></html>`;

/** The token secret from the environment; no fallback, so a missing one stops the server at start. */
function requiredSecret(): string {
  const secret = process.env.MARKETING_TEAM_SECRET;
  if (!secret) throw new Error('set MARKETING_TEAM_SECRET, e.g. MARKETING_TEAM_SECRET=$(openssl rand -hex 32)');
  return secret;
}
