// Builds the example with `next build` and drives a brief through `next start`. It needs the
// packages' built output, so it runs only when MT_NEXT_BUILD=1: `npm test` (which builds the
// packages first) sets it; a bare `vitest run` skips it, and smoke.test.ts still covers the
// same route modules.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { briefOverSse, briefOverSseClient, fetchToken, startExample, type RunningExample } from '../../_testing/smoke.js';

const dir = fileURLToPath(new URL('..', import.meta.url));
const next = fileURLToPath(new URL('../node_modules/next/dist/bin/next', import.meta.url));

describe.skipIf(process.env.MT_NEXT_BUILD !== '1')('the Next example under next start', () => {
  let example: RunningExample;
  beforeAll(async () => {
    // `next build` loads the route modules, and the server refuses to start without a secret.
    const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', MARKETING_TEAM_SECRET: randomBytes(32).toString('hex') };
    const build = spawnSync(process.execPath, [next, 'build'], { cwd: dir, encoding: 'utf8', env });
    if (build.status !== 0) throw new Error(`next build failed:\n${build.stdout}${build.stderr}`);
    example = await startExample(dir, [process.execPath, next, 'start'], { env: { NEXT_TELEMETRY_DISABLED: '1' } });
  }, 300_000);
  afterAll(() => example?.stop());

  it('runs a brief to completion over SSE + POST through the built app', async () => {
    expect(await (await fetch(`${example.url}/`)).text()).toContain('AI marketing team');
    const token = await fetchToken(example.url, 'next-start');
    const { status, records } = await briefOverSse(`${example.url}/mt`, 'next-start', token);
    expect(status).toBe('run.completed');
    expect(records.some((record) => record.event.type === 'deliverable.created')).toBe(true);
  });

  it('serves the page with the standard widget, and core\'s SSE client runs a brief through the built route handlers', async () => {
    const page = await (await fetch(`${example.url}/`)).text();
    expect(page).toContain('<marketing-team');
    const token = await fetchToken(example.url, 'next-start-client');
    const result = await briefOverSseClient(`${example.url}/mt`, 'next-start-client', token);
    expect(result).toMatchObject({ status: 'completed', converged: true, transport: 'sse' });
  });
});
