import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { briefOverWebSocket, fetchWidgetFiles, startExample, type RunningExample } from '../../_testing/smoke.js';

let example: RunningExample;
beforeAll(async () => {
  example = await startExample(fileURLToPath(new URL('..', import.meta.url)), [process.execPath, '--conditions=@marketing-team/source', '--import', 'tsx', 'server.ts']);
});
afterAll(() => example?.stop());

it('serves one script tag, the widget build and a backend-minted token; a brief runs to completion', async () => {
  const html = await (await fetch(`${example.url}/`)).text();
  expect(html.match(/<script\b/g)).toHaveLength(1);
  const token = /token="([^"]+)"/.exec(html)?.[1];
  expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  const bundle = await fetch(`${example.url}/marketing-team.js`);
  expect(bundle.headers.get('content-type')).toBe('text/javascript');
  expect(await bundle.text()).toContain('marketing-team');
  await fetchWidgetFiles(example.url);
  const result = await briefOverWebSocket(`${example.url.replace('http', 'ws')}/mt/ws`, 'plain-html-demo', token!);
  expect(result.status).toBe('completed');
});
