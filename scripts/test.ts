// The whole test suite: type-check, build every package (examples and the widget test the
// built output), node tests with vitest, then browser tests where a package has them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const pnpm = ['npx', '-y', 'pnpm@10.34.9'];
// The Next example is built and started for real once the packages are built.
process.env.MT_NEXT_BUILD ??= '1';
// The packaging test packs the built packages and installs them with plain npm.
process.env.MT_PACKAGES_BUILT ??= '1';
const steps: [string, string[]][] = [
  ['type-check', [...pnpm, 'exec', 'tsc', '-p', 'tsconfig.json']],
  ['type-check examples', [...pnpm, 'exec', 'tsc', '-p', 'examples/tsconfig.json']],
  ['build', [...pnpm, '-r', '--filter', './packages/**', 'run', 'build']],
  ['vitest', [...pnpm, 'exec', 'vitest', 'run', ...process.argv.slice(2)]],
];
if (existsSync('packages/widget/web-test-runner.config.mjs')) {
  steps.push(['browser', [...pnpm, '--filter', '@marketing-team/widget', 'run', 'test:browser']]);
}

for (const [name, [cmd, ...args]] of steps) {
  console.log(`\n▶ ${name}`);
  const result = spawnSync(cmd!, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`✖ ${name} failed`);
    process.exit(result.status ?? 1);
  }
}
console.log('\n✔ all tests passed');
