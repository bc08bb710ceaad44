// The packages as a stranger gets them: packed tarballs installed with plain npm into a fresh
// project, each entry point imported in ESM and CommonJS, a consumer type-checked under both
// module resolutions (declarations included, without the optional peers), the docs samples
// compiled against them, and the tarballs linted by publint and arethetypeswrong. It needs the packages' built output, so it runs when
// MT_PACKAGES_BUILT=1 (`npm test` builds first and sets it).
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractSamples } from '../docs/_samples/markdown-blocks.js';
import { compileSamples, formatSampleDiagnostic } from '../docs/_samples/sample-compiler.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pnpm = ['npx', '-y', 'pnpm@10.34.9'];
const published = ['core', 'server', 'widget', 'react'] as const;

/** Entry points a Node process can load (the widget and the React entry need a DOM; they are type-checked instead). */
const nodeEntries = [
  '@marketing-team/core',
  '@marketing-team/core/client',
  '@marketing-team/server',
  '@marketing-team/server/node',
  '@marketing-team/server/express',
  '@marketing-team/server/fastify',
  '@marketing-team/server/hono',
  '@marketing-team/server/next',
  '@marketing-team/server/durable-streams',
  '@marketing-team/server/ably',
  '@marketing-team/server/ably-client',
  // Loads `pg` when it first connects, and says then that it is missing.
  '@marketing-team/server/postgres',
];
/**
 * Entry points over an optional peer dependency, which the scratch project does not install: the
 * rest of the package works without it, and the entry fails naming what to install.
 */
const optionalPeerEntries: [string, string][] = [
  ['@marketing-team/server/sqlite', 'better-sqlite3'],
  ['@marketing-team/server/redis', 'ioredis'],
  ['@marketing-team/server/anthropic', '@anthropic-ai/sdk'],
  ['@marketing-team/server/openai', 'openai'],
  ['@marketing-team/server/ai-sdk', 'ai'],
];

function run(command: string, args: string[], options: SpawnSyncOptions = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.stdout}${result.stderr}`);
  return String(result.stdout);
}

describe.skipIf(process.env.MT_PACKAGES_BUILT !== '1')('the packages as npm installs them', () => {
  let workDir: string;
  let packs: string;
  let app: string;
  const tarballs = new Map<string, string>();

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'mt-packaging-'));
    packs = join(workDir, 'packs');
    app = join(workDir, 'app');
    for (const name of published) run(pnpm[0]!, [...pnpm.slice(1), 'pack', '--pack-destination', packs], { cwd: join(root, 'packages', name) });
    for (const file of readdirSync(packs)) tarballs.set(/^marketing-team-(\w+)-/.exec(file)![1]!, join(packs, file));
    run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
    // Plain npm, as a stranger installs: required peers (react) come in as npm 7+ installs them;
    // optional ones (database drivers, model SDKs) do not.
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...published.map((name) => tarballs.get(name)!)], { cwd: app });
  }, 600_000);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  // The linters run through pnpm on a tarball: tens of seconds each on a busy two-core machine.
  it.each(published)('publint finds nothing to report in @marketing-team/%s', (name) => {
    const out = run(pnpm[0]!, [...pnpm.slice(1), 'exec', 'publint', 'run', tarballs.get(name)!, '--level', 'suggestion'], { cwd: root });
    expect(out).toContain('All good!');
  }, 120_000);

  it.each(published)('@marketing-team/%s names its repository folder, homepage and issue tracker', (name) => {
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules/@marketing-team', name, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.repository).toEqual({ type: 'git', url: 'git+https://github.com/marketing-team/marketing-team.git', directory: `packages/${name}` });
    expect(manifest.homepage).toBe(`https://github.com/marketing-team/marketing-team/tree/main/packages/${name}#readme`);
    expect(manifest.bugs).toEqual({ url: 'https://github.com/marketing-team/marketing-team/issues' });
  });

  it('marks the React entry as client code for React Server Components', () => {
    const entry = readFileSync(join(app, 'node_modules/@marketing-team/react/dist/index.js'), 'utf8');
    expect(entry.trimStart()).toMatch(/^['"]use client['"];/);
  });

  it('`npx marketing-team dev` serves the widget installed beside the server', async () => {
    const env = { ...process.env, ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' };
    const cli = spawn('npx', ['--no-install', 'marketing-team', 'dev', '--port', '0', '--data', join(workDir, 'demo-data'), '--scripted'], { cwd: app, env, detached: true });
    try {
      let output = '';
      const address = await new Promise<string>((resolve, reject) => {
        cli.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const found = /http:\/\/localhost:\d+/.exec(output);
          if (found) resolve(found[0]);
        });
        cli.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        cli.on('exit', (code) => reject(new Error(`the CLI exited with ${code}:\n${output}`)));
      });
      expect(output).not.toContain('without the widget');
      const page = await fetch(address);
      expect(await page.text()).toContain('marketing-team.js');
      const widget = await fetch(`${address}/marketing-team.js`);
      expect(widget.status).toBe(200);
      expect(widget.headers.get('content-type')).toMatch(/javascript/);
      expect(await widget.text()).toContain('customElements.define');
    } finally {
      // npx runs the CLI as its child: end the whole group this test started.
      if (cli.pid !== undefined && cli.exitCode === null) process.kill(-cli.pid, 'SIGTERM');
    }
  }, 120_000);

  it.each(published)('arethetypeswrong finds no problem in @marketing-team/%s', (name) => {
    // Core and server: ESM and CommonJS under node16 and bundler (subpath exports need a resolver that
    // reads `exports`, which node10 does not). The widget and the React entry are ESM only, by design.
    // The widget's self-contained `marketing-team.js` and `marketing-team-studio.js` are scripts for a
    // <script> tag, not typed modules.
    const profile = name === 'widget' || name === 'react' ? ['--profile', 'esm-only'] : ['--profile', 'node16'];
    const exclude = name === 'widget' ? ['--exclude-entrypoints', './marketing-team.js', './marketing-team-studio.js'] : [];
    run(pnpm[0]!, [...pnpm.slice(1), 'exec', 'attw', tarballs.get(name)!, ...profile, ...exclude, '--format', 'ascii', '--no-color'], { cwd: root });
  }, 120_000);

  it('imports every Node entry point as ESM and as CommonJS', () => {
    const esm = nodeEntries.map((entry) => `Object.keys(await import(${JSON.stringify(entry)})).length`).join(', ');
    const esmCounts = JSON.parse(run(process.execPath, ['--input-type=module', '-e', `console.log(JSON.stringify([${esm}]))`], { cwd: app })) as number[];
    const cjs = nodeEntries.map((entry) => `Object.keys(require(${JSON.stringify(entry)})).length`).join(', ');
    const cjsCounts = JSON.parse(run(process.execPath, ['--input-type=commonjs', '-e', `console.log(JSON.stringify([${cjs}]))`], { cwd: app })) as number[];
    for (const counts of [esmCounts, cjsCounts]) expect(counts.every((count) => count > 0)).toBe(true);
    expect(cjsCounts).toEqual(esmCounts);
  });

  it.each(optionalPeerEntries)('%s fails only for want of %s', (entry, peer) => {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(entry)})`], { cwd: app, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`Cannot find package '${peer}'`);
  });

  it.each(['bundler', 'node16'])('type-checks a consumer of every entry point under moduleResolution %s', (resolution) => {
    const consumer = `
import { createDefaultTeam, type SessionState } from '@marketing-team/core';
import { SessionClient, findMessage } from '@marketing-team/core/client';
import { MemoryStore, createMarketingTeamServer, createOfflineProvider, createTeamRuntime } from '@marketing-team/server';
import { createNodeListener } from '@marketing-team/server/node';
import type { SqliteStoreOptions } from '@marketing-team/server/sqlite';
import { MarketingTeamElement } from '@marketing-team/widget';
import { useRun } from '@marketing-team/react';

const server = createMarketingTeamServer({
  store: new MemoryStore(),
  launcher: createTeamRuntime({ team: createDefaultTeam(), provider: createOfflineProvider() }),
  tokens: { secret: 'x'.repeat(64) },
  allowedOrigins: ['http://localhost:3000'],
});
export const listener: (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => void = createNodeListener(server);
export const client: SessionClient = new SessionClient({ url: 'ws://localhost/mt/ws' });
export const state: SessionState | undefined = undefined;
export const message = state ? findMessage(state, 'm1') : undefined;
export const element: typeof MarketingTeamElement = MarketingTeamElement;
export const hook: typeof useRun = useRun;
export const sqliteOptions: SqliteStoreOptions = { path: 'sessions.db' };
`;
    const dir = join(app, resolution);
    run('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'consumer.ts'), consumer);
    const module = resolution === 'bundler' ? 'esnext' : 'node16';
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, module, moduleResolution: resolution, target: 'es2022', lib: ['es2022', 'dom'], types: ['node'], typeRoots: [join(root, 'node_modules/@types')] },
        files: ['consumer.ts'],
      }),
    );
    // The declarations are checked too (skipLibCheck off), without the optional peers: a type
    // that named ioredis (say) in an entry's declarations would fail here with TS2307.
    expect(existsSync(join(app, 'node_modules/ioredis'))).toBe(false);
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: dir });
  }, 300_000);

  it('compiles the docs samples against the installed packages', () => {
    // The samples docs/docs-samples.test.ts compiles against the sources, now against the tarballs.
    const docs = join(root, 'docs');
    const files = (readdirSync(docs, { recursive: true }) as string[]).filter((file) => file.endsWith('.md') && !file.includes('node_modules')).sort();
    const samples = files.flatMap((file) => extractSamples(readFileSync(join(docs, file), 'utf8'), `docs/${file}`).samples);
    expect(samples.length).toBeGreaterThan(10);
    // The samples' imports resolve from the scratch project first: to the installed packages.
    const resolution = { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler };
    const server = ts.resolveModuleName('@marketing-team/server', join(app, 'sample.ts'), resolution, ts.sys).resolvedModule?.resolvedFileName;
    expect(server).toBe(join(app, 'node_modules/@marketing-team/server/dist/index.d.ts'));
    const diagnostics = compileSamples(samples, { root, workDir: join(workDir, 'docs-samples'), installedIn: app });
    expect(diagnostics.map(formatSampleDiagnostic)).toEqual([]);
  }, 300_000);
});
