#!/usr/bin/env node
// Entry point behind `npm start`, `npm test` and `npm bench`: makes sure the workspace is
// installed with the pinned pnpm, then hands over. It lets a fresh machine with only Node 20
// use the two README commands without installing anything by hand.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pnpm = ['npx', '-y', 'pnpm@10.34.9'];

function run(cmd, args, env = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const task = process.argv[2];
const marker = join(root, 'node_modules', '.modules.yaml');
if (!existsSync(marker) || process.env.CI) {
  run(pnpm[0], [...pnpm.slice(1), 'install', process.env.CI ? '--frozen-lockfile' : '--prefer-offline']);
}

const node = ['--conditions=@marketing-team/source', '--import', 'tsx'];
switch (task) {
  case 'start':
    // The demo page is the real widget: build its self-contained file, then serve it.
    run(pnpm[0], [...pnpm.slice(1), '--filter', '@marketing-team/widget', 'run', 'build']);
    run(process.execPath, [...node, 'packages/server/src/cli.ts', 'dev', '--widget', 'packages/widget/dist/marketing-team.js', ...process.argv.slice(3)]);
    break;
  case 'test':
    run(process.execPath, [...node, 'scripts/test.ts', ...process.argv.slice(3)]);
    break;
  case 'bench':
    // --expose-gc lets the memory figures collect garbage before they measure.
    run(process.execPath, ['--expose-gc', ...node, 'bench/run.ts', ...process.argv.slice(3)]);
    break;
  default:
    console.error(`unknown task ${task}; use start, test or bench`);
    process.exit(2);
}
