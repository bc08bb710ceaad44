#!/usr/bin/env node
// `marketing-team dev [--port 3000] [--data .data] [--scripted] [--widget file]`: the demo server. SQLite on
// local disk, the team runtime with the offline model (Claude when ANTHROPIC_API_KEY is set).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDefaultTeam } from '@marketing-team/core';
import { createDemoHandler } from './demo/demo-app.js';
import { createDurableStreamsHandler } from './durable-streams/index.js';
import { attachWebSocket, createMarketingTeamServer, createNodeListener } from './http/index.js';
import { createAnthropicProvider, createOfflineProvider } from './models/index.js';
import { createScriptedProducer, createTeamRuntime, type RunLauncher } from './runtime/index.js';
import { SqliteStore } from './stores/index.js';

const USAGE = 'usage: marketing-team dev [--port 3000] [--data .data] [--scripted] [--widget path/to/marketing-team.js]';

function launcherFor(scripted: boolean): { launcher: RunLauncher; label: string } {
  if (scripted) return { launcher: createScriptedProducer({ deltas: 400, deltasPerSecond: 40, tasks: 3 }), label: 'scripted producer' };
  const online = Boolean(process.env.ANTHROPIC_API_KEY);
  const provider = online ? createAnthropicProvider() : createOfflineProvider({ tokensPerSecond: 40 });
  return {
    launcher: createTeamRuntime({ team: createDefaultTeam(), provider }),
    label: online ? `team runtime on ${provider.model}` : 'team runtime on the offline model',
  };
}

async function dev(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      data: { type: 'string', default: '.data' },
      scripted: { type: 'boolean', default: false },
      widget: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port: expected a port number, got ${values.port}`);
  const widgetFile = values.widget === undefined ? undefined : resolve(values.widget);
  if (widgetFile && !existsSync(widgetFile)) throw new Error(`--widget: no file at ${widgetFile} (build it with: pnpm --filter @marketing-team/widget build)`);
  const data = resolve(values.data);
  mkdirSync(data, { recursive: true });
  const store = new SqliteStore({ path: join(data, 'sessions.db') });
  const { launcher, label } = launcherFor(values.scripted);
  const origins = new Set<string>();
  const server = createMarketingTeamServer({
    store,
    launcher,
    // A demo secret per process: tokens die with it, which a demo can afford.
    tokens: { secret: process.env.MARKETING_TEAM_SECRET ?? randomBytes(32).toString('hex') },
    allowedOrigins: (origin) => origins.has(origin),
    interruptOrphanedRuns: true,
    tokenRoute: {
      // The demo's stand-in for a host backend: anyone on this machine may join a demo session.
      authorize: (_request, session) => (session.startsWith('demo-') ? { userId: 'demo-user', userName: 'Demo user', ttlSeconds: 3600 } : null),
    },
  });
  // Session logs also speak the open Durable Streams protocol, read-only, under /streams.
  const streams = createDurableStreamsHandler({ store, basePath: '/streams', tokens: server.tokens });
  server.route('/streams', streams);
  const http = createServer(createNodeListener({ fetch: createDemoHandler(server, widgetFile ? { widgetFile } : {}) }));
  const websocket = attachWebSocket(http, server);
  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject);
    http.listen(port, resolveListen);
  });
  const address = http.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  // This machine's own addresses, so a phone on the same network can open the demo too.
  const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  const hosts = ['localhost', ...addresses.map((a) => (a.family === 'IPv6' ? `[${a.address}]` : a.address))];
  for (const host of hosts) origins.add(`http://${host}:${actualPort}`);
  console.log(`marketing-team demo (${label}, data in ${data}${widgetFile ? '' : ', minimal page without the widget'})`);
  console.log(`  http://localhost:${actualPort}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    websocket.close();
    await server.close();
    http.closeAllConnections();
    await new Promise<void>((done) => http.close(() => done()));
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'dev') {
  dev(rest).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
} else {
  console.error(USAGE);
  process.exit(command === undefined || command === '--help' ? 0 : 2);
}
