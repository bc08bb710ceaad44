// What a developer's bundle weighs: the packages packed and installed with plain npm into a fresh
// project, and consumer apps bundled from them for the browser (minified, gzipped, split at
// dynamic imports as app bundlers do): the session client alone, the widget element, and React's
// `useRun` with its client. Each figure is what the page loads first: the entry and the chunks it
// imports statically (chunks behind dynamic imports come later; their total is printed). Baseline:
// the same apps bundled the same way from the packages' sources, in the same run, so the ratio is
// what packaging adds (flattened builds, schemas built at module top level, whole locales).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { benchResult, type BenchResult } from './bench-result.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pnpm = ['npx', '-y', 'pnpm@10.34.9'];
const KIB = 1024;
// esbuild is the widget's build tool; the same copy bundles both sides.
const { build } = createRequire(join(root, 'packages/widget/package.json'))('esbuild') as {
  build: (options: Record<string, unknown>) => Promise<{
    outputFiles: { path: string; contents: Uint8Array }[];
    metafile: { outputs: Record<string, { entryPoint?: string; inputs: Record<string, unknown>; imports: { path: string; kind: string; external?: boolean }[] }> };
  }>;
};

/** The consumer apps, by name: what each imports. */
export const apps = [
  {
    name: 'SessionClient only',
    goal: '<= 25 KiB gz',
    code: `import { SessionClient } from '@marketing-team/core/client';\nexport const client = new SessionClient({ url: 'wss://example.com/mt/ws' });\n`,
  },
  {
    name: 'widget element',
    goal: '<= 35 KiB gz',
    code: `import '@marketing-team/widget/element';\n`,
  },
  {
    // The package root defines every part at once, and the parts import helpers from core's root
    // (isRunEnded, deviceInUse, deliverableVariants); app bundlers split by file and core's root
    // reaches every core file, so the whole session client loads first with them. The element
    // entry above is what a page should import; this row says what the root costs.
    name: 'widget root: every part defined up front, the session client loaded with them',
    goal: 'reported (no goal: use the element entry)',
    code: `import '@marketing-team/widget';\n`,
  },
  {
    name: 'React useRun + client',
    goal: '<= 30 KiB gz (React itself external)',
    code: `import { MarketingTeamProvider, useRun } from '@marketing-team/react';\nexport { MarketingTeamProvider, useRun };\n`,
  },
];

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stdout}${result.stderr}`);
}

/**
 * Gzipped KiB of what a page loads first (the entry and its static imports), and of every file;
 * and the source modules in each part, for the guards of `client-bundle.test.ts`.
 */
export async function gzippedBundle(
  entry: string,
  resolveDir: string,
  conditions: string[],
): Promise<{ initial: number; all: number; initialInputs: string[]; laterInputs: string[]; initialChunks: string[][] }> {
  const output = await build({
    stdin: { contents: entry, resolveDir, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    splitting: true,
    outdir: join(tmpdir(), 'mt-package-size-out'),
    metafile: true,
    target: 'es2022',
    platform: 'browser',
    write: false,
    conditions,
    legalComments: 'none',
    // React and React DOM belong to the app; every package would share them.
    external: ['react', 'react-dom', 'react/*', 'react-dom/*'],
    logLevel: 'silent',
  });
  const sizes = new Map(output.outputFiles.filter((file) => file.path.endsWith('.js')).map((file) => [resolve(file.path), gzipSync(file.contents, { level: 9 }).length]));
  const outputs = output.metafile.outputs;
  // Chunks behind dynamic imports are entry points too; the page's own entry is the app (stdin).
  const first = Object.keys(outputs).filter((path) => outputs[path]!.entryPoint === '<stdin>');
  const initial = new Set<string>();
  while (first.length > 0) {
    const path = first.pop()!;
    if (initial.has(path)) continue;
    initial.add(path);
    for (const imported of outputs[path]!.imports) if (imported.kind === 'import-statement' && !imported.external) first.push(imported.path);
  }
  const sum = (paths: Iterable<string>) => [...paths].reduce((total, path) => total + (sizes.get(resolve(path)) ?? 0), 0) / KIB;
  const inputsOf = (paths: string[]) => paths.flatMap((path) => Object.keys(outputs[path]!.inputs));
  return {
    initial: sum(initial),
    all: sum(Object.keys(outputs).filter((path) => path.endsWith('.js'))),
    initialInputs: inputsOf([...initial]),
    laterInputs: inputsOf(Object.keys(outputs).filter((path) => !initial.has(path))),
    initialChunks: [...initial].map((path) => inputsOf([path])),
  };
}

/** Bundles each consumer app from the packed packages and from source, and reports both. */
export async function runPackageSizeBench(): Promise<BenchResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'mt-package-size-'));
  try {
    const packs = join(work, 'packs');
    const app = join(work, 'app');
    mkdirSync(app);
    const packed = ['core', 'widget', 'react'];
    // Packing takes each package's dist as it is: build it first, or a checkout without one (or
    // with one older than the sources) packs tarballs that cannot be bundled (core's exports point
    // at files that are not there) or that measure old code.
    run(pnpm[0]!, [...pnpm.slice(1), ...packed.flatMap((name) => ['--filter', `./packages/${name}`]), 'run', 'build'], root);
    for (const name of packed) run(pnpm[0]!, [...pnpm.slice(1), 'pack', '--pack-destination', packs], join(root, 'packages', name));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'size-app', private: true, type: 'module' }));
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...readdirSync(packs).map((file) => join(packs, file))], app);

    const results: BenchResult[] = [];
    for (const { name, goal, code } of apps) {
      const installed = await gzippedBundle(code, app, []);
      // The workspace resolves the packages to their sources through this export condition.
      const fromSource = await gzippedBundle(code, join(root, 'packages/react'), ['@marketing-team/source']);
      console.log(`${name}: loaded first ${installed.initial.toFixed(1)} KiB, with every lazy chunk ${installed.all.toFixed(1)} KiB (from source: ${fromSource.initial.toFixed(1)} / ${fromSource.all.toFixed(1)})`);
      results.push(benchResult(`${name} from the npm tarballs, loaded first (min+gzip; baseline: same app from source)`, installed.initial, 'KiB', fromSource.initial, goal));
    }
    return results;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.table(await runPackageSizeBench());
}
