// Drives the example's real route modules (`app/mt/[...path]/route.ts`, `app/api/mt-token/route.ts`)
// with real `Request` objects through a real Node HTTP server, the way `next start` calls them.
// (`next build` is not run here: it takes minutes on a small machine; see the README.)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { toWebRequest, writeWebResponse } from '@marketing-team/server/node';
import { briefOverSse, briefOverSseClient, fetchToken } from '../../_testing/smoke.js';

type Handler = (request: Request) => Promise<Response>;

let http: Server;
let url: string;
let dataDir: string;
let close: () => Promise<void>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mt-next-'));
  process.env.DATA_DIR = dataDir;
  process.env.TOKENS_PER_SECOND = '20000';
  process.env.MARKETING_TEAM_SECRET ??= randomBytes(32).toString('hex');
  const sessions = (await import('../app/mt/[...path]/route')) as Record<string, Handler | string>;
  const tokens = (await import('../app/api/mt-token/route')) as Record<string, Handler | string>;
  expect(sessions.runtime).toBe('nodejs');
  expect(sessions.dynamic).toBe('force-dynamic');
  const { server } = await import('../lib/team-server');
  close = () => server.close();
  http = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const module = path.startsWith('/mt/') ? sessions : path === '/api/mt-token' ? tokens : undefined;
    const handler = module?.[req.method ?? 'GET'];
    if (typeof handler !== 'function') return void res.writeHead(405).end();
    void handler(toWebRequest(req, res)).then((response) => writeWebResponse(response, res));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await close?.();
  http?.closeAllConnections();
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  rmSync(dataDir, { recursive: true, force: true });
});

it('runs a brief to completion through the route handlers over SSE + POST', async () => {
  expect(await (await fetch(`${url}/mt/health`)).json()).toMatchObject({ ok: true });
  const token = await fetchToken(url, 'next-smoke');
  const { status, records } = await briefOverSse(`${url}/mt`, 'next-smoke', token);
  expect(status).toBe('run.completed');
  expect(records.map((record) => record.offset)).toEqual(records.map((_, index) => index + 1));
  expect(records.some((record) => record.event.type === 'deliverable.created')).toBe(true);
});

it('runs a brief with core\'s SessionClient over SSE + POST (the transport the page uses) through the route handlers', async () => {
  const token = await fetchToken(url, 'next-smoke-client');
  const result = await briefOverSseClient(`${url}/mt`, 'next-smoke-client', token);
  expect(result).toMatchObject({ status: 'completed', converged: true, transport: 'sse' });
  expect(result.deliverables).toBeGreaterThan(0);
});
