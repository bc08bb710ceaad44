#!/usr/bin/env node
// `marketing-team dev [--port 3000] [--data .data] [--scripted] [--widget file] [--team folder] [--lan | --host addr]`: the demo
// server. SQLite on local disk, the team runtime with the offline model (Claude when ANTHROPIC_API_KEY is set, a Chat
// Completions server when OPENAI_API_KEY is, with OPENAI_BASE_URL and OPENAI_MODEL).
// It listens on 127.0.0.1 only: its token route hands full tokens to anyone who can reach it.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_WORKSPACE_ID, FormatError, createDefaultTeam, type ModelProvider } from '@marketing-team/core';
import { createDemoHandler } from './demo/demo-app.js';
import { createDurableStreamsHandler } from './durable-streams/index.js';
import { attachWebSocket, createMarketingTeamServer, createNodeListener } from './http/index.js';
import { createOfflineProvider } from './models/index.js';
import { importTeamFolder } from './team-files/index.js';
import { createScriptedProducer, createTeamRuntime, type RunLauncher } from './runtime/index.js';
import { MemoryStore, type SessionStore } from './stores/index.js';
import { MemoryWorkspaceStore, type WorkspaceStore } from './workspaces/index.js';

const USAGE =
  'usage: marketing-team dev [--port 3000] [--data .data] [--scripted] [--widget path/to/marketing-team.js] [--team folder] [--lan | --host 127.0.0.1]\n' +
  '  --team dir   start from a Claude Code team folder (.claude/skills, .claude/agents, brand/, marketing-team.yaml)\n' +
  '  --lan        listen on every interface, so a phone on your network can open the demo (anyone there can then use it)\n' +
  '  --host addr  listen on this address only (default 127.0.0.1)';

/** A module behind an optional peer dependency, or an error that says which package to install. */
async function optionalModule<T>(load: () => Promise<T>, what: string, install: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new Error(`${what} could not be loaded (${install}): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Sessions and workspaces in SQLite under the data folder, so a restart loses nothing; in memory,
 * with a warning, when `better-sqlite3` (an optional peer dependency) is not installed.
 */
async function openStores(data: string): Promise<{ store: SessionStore; workspaces: WorkspaceStore; where: string }> {
  let sqlite: [typeof import('./stores/sqlite-store.js'), typeof import('./workspaces/sqlite-workspace-store.js')];
  try {
    sqlite = await Promise.all([import('./stores/sqlite-store.js'), import('./workspaces/sqlite-workspace-store.js')]);
  } catch {
    console.warn('  better-sqlite3 is not installed (npm install better-sqlite3): sessions and workspaces are kept in memory and lost on restart');
    return { store: new MemoryStore(), workspaces: new MemoryWorkspaceStore(), where: 'in memory' };
  }
  mkdirSync(data, { recursive: true });
  const path = join(data, 'sessions.db');
  // Workspaces live in the sessions' file, so one file holds (and backs up) everything.
  return { store: new sqlite[0].SqliteStore({ path }), workspaces: new sqlite[1].SqliteWorkspaceStore({ path }), where: `data in ${data}` };
}

/** The OpenAI model the demo uses when `OPENAI_MODEL` is not set: small and cheap. */
const DEFAULT_DEMO_OPENAI_MODEL = 'gpt-4.1-mini';

/**
 * The model the demo runs on, from the environment: Claude with `ANTHROPIC_API_KEY`; any Chat
 * Completions server with `OPENAI_API_KEY` (and `OPENAI_BASE_URL` / `OPENAI_MODEL` for a gateway,
 * Ollama, vLLM or LM Studio); the offline model otherwise. The OpenAI provider is imported only
 * when asked for, since `openai` is an optional peer dependency.
 */
async function providerFromEnvironment(): Promise<{ provider: ModelProvider; label: string }> {
  if (process.env.ANTHROPIC_API_KEY) {
    const { createAnthropicProvider } = await optionalModule(() => import('./models/anthropic-provider.js'), 'ANTHROPIC_API_KEY is set but @anthropic-ai/sdk', 'npm install @anthropic-ai/sdk');
    const provider = createAnthropicProvider();
    return { provider, label: `team runtime on ${provider.model}` };
  }
  if (process.env.OPENAI_API_KEY) {
    const baseURL = process.env.OPENAI_BASE_URL || undefined;
    const model = process.env.OPENAI_MODEL || (baseURL === undefined ? DEFAULT_DEMO_OPENAI_MODEL : undefined);
    if (model === undefined) throw new Error('OPENAI_MODEL: name the model the server at OPENAI_BASE_URL serves');
    const module = await optionalModule(() => import('./models/openai-compatible-provider.js'), 'OPENAI_API_KEY is set but the openai package', 'npm install openai@6');
    const provider = module.createOpenAICompatibleProvider({ model, ...(baseURL === undefined ? {} : { baseURL }) });
    return { provider, label: `team runtime on ${model} at ${baseURL ?? 'api.openai.com'}` };
  }
  return { provider: createOfflineProvider({ tokensPerSecond: 40 }), label: 'team runtime on the offline model' };
}

async function launcherFor(scripted: boolean, workspaces: WorkspaceStore): Promise<{ launcher: RunLauncher; label: string; provider: ModelProvider }> {
  // The studio's template analyses need a model even when runs are scripted: the offline one.
  if (scripted) return { launcher: createScriptedProducer({ deltas: 400, deltasPerSecond: 40, tasks: 3 }), label: 'scripted producer', provider: createOfflineProvider({ tokensPerSecond: 400 }) };
  const { provider, label } = await providerFromEnvironment();
  // Each run uses its workspace's saved team; the default team runs until one is saved.
  return { launcher: createTeamRuntime({ team: createDefaultTeam(), provider, workspaces }), label, provider };
}

/** The widget's self-contained file when `@marketing-team/widget` is installed beside the server (as from npm). */
function installedWidget(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('@marketing-team/widget/marketing-team.js');
  } catch {
    return undefined;
  }
}

async function dev(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      data: { type: 'string', default: '.data' },
      scripted: { type: 'boolean', default: false },
      widget: { type: 'string' },
      lan: { type: 'boolean', default: false },
      host: { type: 'string' },
      team: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port: expected a port number, got ${values.port}`);
  if (values.lan && values.host !== undefined) throw new Error('--lan and --host: give one of them');
  const host = values.lan ? '0.0.0.0' : (values.host ?? '127.0.0.1');
  const loopbackOnly = /^(127\.|::1$|localhost$)/.test(host);
  const widgetFile = values.widget === undefined ? installedWidget() : resolve(values.widget);
  if (widgetFile && !existsSync(widgetFile)) throw new Error(`--widget: no file at ${widgetFile} (build it with: pnpm --filter @marketing-team/widget build)`);
  // The model first: a missing SDK or setting fails before anything is opened; then the stores.
  const { store, workspaces, where } = await openStores(resolve(values.data));
  let teamNote = '';
  if (values.team !== undefined) {
    const folder = resolve(values.team);
    if (!existsSync(folder)) throw new Error(`--team: no folder at ${folder}`);
    try {
      // Demo sessions carry no workspace claim, so their runs use the default workspace: the
      // folder becomes its next version and every brief runs with it.
      const { version, changed } = await importTeamFolder(workspaces, DEFAULT_WORKSPACE_ID, folder, { savedBy: 'marketing-team dev --team' });
      teamNote = `, team from ${folder} (workspace ${DEFAULT_WORKSPACE_ID} v${version.version}${changed ? '' : ', unchanged'})`;
    } catch (error) {
      await workspaces.close();
      await store.close();
      if (error instanceof FormatError) throw new Error(`--team: ${join(folder, error.path)}:${error.line}: ${error.reason}`);
      throw error;
    }
  }
  const { launcher, label, provider } = await launcherFor(values.scripted, workspaces);
  const origins = new Set<string>();
  const server = createMarketingTeamServer({
    store,
    workspaces,
    launcher,
    analysisProvider: provider,
    // A random secret per process unless one is given: tokens die with it, which a demo can afford.
    tokens: { secret: process.env.MARKETING_TEAM_SECRET ?? randomBytes(32).toString('hex') },
    allowedOrigins: (origin) => origins.has(origin),
    interruptOrphanedRuns: true,
    tokenRoute: {
      // The demo's stand-in for a host backend, with no login: anyone who can reach the server may join
      // a demo session with full rights, which is why it listens on this machine only unless told otherwise.
      authorize: (_request, session) => (session.startsWith('demo-') ? { userId: 'demo-user', userName: 'Demo user', capabilities: ['read', 'write', 'control', 'presence'], ttlSeconds: 3600 } : null),
    },
  });
  // Session logs also speak the open Durable Streams protocol, read-only, under /streams.
  const streams = createDurableStreamsHandler({ store, basePath: '/streams', tokens: server.tokens });
  server.route('/streams', streams);
  // The demo's sessions and its studio share the default workspace, so a brief runs the team edited there.
  const http = createServer(createNodeListener({ fetch: createDemoHandler(server, widgetFile ? { widgetFile, studioWorkspace: DEFAULT_WORKSPACE_ID } : {}) }));
  const websocket = attachWebSocket(http, server);
  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject);
    http.listen(port, host, resolveListen);
  });
  const address = http.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  // Pages served from where the demo listens may connect; on the LAN, from this machine's own addresses too.
  const addresses = loopbackOnly ? [] : Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  const hosts = ['localhost', '127.0.0.1', ...(loopbackOnly ? [] : [host]), ...addresses.map((a) => (a.family === 'IPv6' ? `[${a.address}]` : a.address))];
  for (const name of hosts) origins.add(`http://${name}:${actualPort}`);
  console.log(`marketing-team demo (${label}, ${where}${teamNote}${widgetFile ? '' : ', minimal page without the widget: npm i @marketing-team/widget to serve it'})`);
  console.log(`  http://localhost:${actualPort}`);
  if (loopbackOnly) {
    console.log(`  listening on ${host} only; add --lan to open it to a phone on your network`);
  } else {
    const lan = addresses.filter((a) => !a.internal).map((a) => `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${actualPort}`);
    console.warn(
      `  WARNING: listening on ${host}: anyone who can reach this machine can get a full token for any demo session` +
        ` (and an admin token for the demo team) and run briefs on it${process.env.ANTHROPIC_API_KEY ? ' with your Anthropic key' : process.env.OPENAI_API_KEY ? ' with your OpenAI key' : ''}. Use it on a network you trust.`,
    );
    for (const address of lan) console.log(`  ${address}`);
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    websocket.close();
    await server.close();
    http.closeAllConnections();
    await new Promise<void>((done) => http.close(() => done()));
    await workspaces.close();
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
