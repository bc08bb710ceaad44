import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { briefOverWebSocket, fetchToken, startExample, type RunningExample } from '../../_testing/smoke.js';

const dir = fileURLToPath(new URL('..', import.meta.url));
let example: RunningExample;

beforeAll(async () => {
  const build = spawnSync(process.execPath, [fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url)), 'build', '--logLevel', 'warn'], { cwd: dir, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`vite build failed:\n${build.stdout}${build.stderr}`);
  example = await startExample(dir, [process.execPath, '--conditions=@marketing-team/source', '--import', 'tsx', 'server.ts']);
}, 180_000);
afterAll(() => example?.stop());

it('serves the Vite build and runs a brief to completion over its WebSocket', async () => {
  const html = await (await fetch(`${example.url}/`)).text();
  const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1];
  expect(script).toMatch(/^\/assets\/.+\.js$/);
  const bundle = await (await fetch(`${example.url}${script}`)).text();
  // The React bindings and the app are in the bundle, not just an empty shell.
  expect(bundle).toContain('AI marketing team');
  expect(readFileSync(new URL('../dist/index.html', import.meta.url), 'utf8')).toBe(html);
  const token = await fetchToken(example.url, 'react-smoke');
  const result = await briefOverWebSocket(`${example.url.replace('http', 'ws')}/mt/ws`, 'react-smoke', token);
  expect(result.status).toBe('completed');
});
