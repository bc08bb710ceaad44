// The session server, created once per Node process (kept on globalThis so `next dev` reloads
// do not open a second store). Embedded defaults: SQLite on local disk, the offline model.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDefaultTeam } from '@marketing-team/core';
import { createMarketingTeamServer, createOfflineProvider, createTeamRuntime, type MarketingTeamServer } from '@marketing-team/server';
import { SqliteStore } from '@marketing-team/server/sqlite';

function create(): MarketingTeamServer {
  const port = Number(process.env.PORT ?? 3000);
  const dataDir = process.env.DATA_DIR ?? '.data';
  mkdirSync(dataDir, { recursive: true });
  return createMarketingTeamServer({
    store: new SqliteStore({ path: join(dataDir, 'sessions.db') }),
    launcher: createTeamRuntime({ team: createDefaultTeam(), provider: createOfflineProvider({ tokensPerSecond: Number(process.env.TOKENS_PER_SECOND ?? 40) }) }),
    tokens: { secret: requiredSecret() },
    allowedOrigins: [`http://localhost:${port}`, `http://127.0.0.1:${port}`],
    // Must match the route folder: app/mt/[...path]/route.ts.
    basePath: '/mt',
  });
}

const holder = globalThis as typeof globalThis & { marketingTeamServer?: MarketingTeamServer };
export const server: MarketingTeamServer = (holder.marketingTeamServer ??= create());

/** The token secret from the environment; no fallback, so a missing one stops the server at start. */
function requiredSecret(): string {
  const secret = process.env.MARKETING_TEAM_SECRET;
  if (!secret) throw new Error('set MARKETING_TEAM_SECRET, e.g. MARKETING_TEAM_SECRET=$(openssl rand -hex 32)');
  return secret;
}
