import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { briefOverWebSocket, fetchToken, fetchWidgetFiles, startExample, type RunningExample } from '../../_testing/smoke.js';

let example: RunningExample;
beforeAll(async () => {
  example = await startExample(fileURLToPath(new URL('..', import.meta.url)), [process.execPath, '--conditions=@marketing-team/source', '--import', 'tsx', 'server.ts']);
});
afterAll(() => example?.stop());

it('serves the page and runs a brief to completion over its WebSocket', async () => {
  expect(await (await fetch(`${example.url}/`)).text()).toContain('<marketing-team endpoint="/mt"');
  await fetchWidgetFiles(example.url);
  const token = await fetchToken(example.url, 'smoke');
  const result = await briefOverWebSocket(`${example.url.replace('http', 'ws')}/mt/ws`, 'smoke', token);
  expect(result.status).toBe('completed');
  expect(result.deliverables).toBeGreaterThan(0);
});
