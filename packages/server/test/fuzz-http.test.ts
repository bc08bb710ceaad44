// Wire fuzz of the HTTP API routes of `createMarketingTeamServer` against a live server:
// `/health`, the token route, preflights, the session routes with every method, unknown paths
// and origins. Every refusal is a typed JSON error (a documented code, matching its status,
// naming the field), no request changes the log, and the server keeps serving.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN } from './_harness.js';
import { SESSION, expectHealthy, expectTypedHttpError, fuzzOptions, fuzzTimeout, headOffset, idLike, startFuzzServer, type FuzzServer } from './_fuzz.js';

const RUNS = 150;
let target: FuzzServer;

beforeAll(async () => {
  target = await startFuzzServer();
});

afterAll(async () => {
  await target?.close();
});

const path = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('/health', '/tokens', '/ws', '/', '', '/health/', '/tokens/x', '/sessions', '/sessions/') },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.oneof(fc.constant(SESSION), idLike.map((id) => encodeURIComponent(id)), fc.constantFrom('%E0%A4%A', '%', '..', '%2e%2e')), fc.constantFrom('events', 'messages', 'snapshot', ''))
      .map(([id, leaf]) => `/sessions/${id}/${leaf}`),
  },
  { weight: 1, arbitrary: fc.webPath() },
);

const tokenBody = fc.oneof(
  fc.record({ session: fc.oneof(fc.constantFrom('open-1', 'open-2', 'closed-1'), idLike.map((id) => `open-${id}`), idLike) }).map((value) => JSON.stringify(value)),
  fc.json({ maxDepth: 2 }),
  fc.string({ maxLength: 60 }),
  fc.constantFrom('', '{', 'null', '[]', '{"session":{"__proto__":1}}', `{"session":"open-1","pad":"${'x'.repeat(70_000)}"}`),
);

describe('fuzzing the HTTP API routes', () => {
  it('answers every request with a typed JSON error or a documented success, and never writes the log', { timeout: fuzzTimeout(RUNS) }, async () => {
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        path,
        tokenBody,
        fc.constantFrom<string | undefined>(undefined, ORIGIN, ORIGIN, 'http://evil.example', 'null', ''),
        fc.constantFrom<string | undefined>(undefined, 'application/json', 'text/plain'),
        async (method, where, body, origin, contentType) => {
          const before = await headOffset(target.store);
          const headers: Record<string, string> = { ...(origin !== undefined ? { origin } : {}), ...(contentType ? { 'content-type': contentType } : {}) };
          const abort = new AbortController();
          const response = await fetch(`${target.env.url}${where}`, {
            method,
            headers,
            ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
            signal: abort.signal,
          });
          const context = `${method} ${where} origin=${origin} ${body.slice(0, 120)}`;
          try {
            expect(response.status, `${context}: no server failure`).toBeLessThan(500);
            if (response.status >= 400 && method !== 'HEAD') {
              refused++;
              const error = await expectTypedHttpError(response, context);
              let parsed: unknown;
              try {
                parsed = JSON.parse(body);
              } catch {
                parsed = undefined;
              }
              if (where === '/tokens' && method === 'POST' && error.code === 'bad_frame' && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
                expect(error.field, `${context}: field named`).toBeTypeOf('string');
              }
            }
          } finally {
            abort.abort();
            await response.body?.cancel().catch(() => undefined);
          }
          // Nothing here writes; a GET of …/events only subscribes.
          expect(await headOffset(target.store), `${context}: the log is unchanged`).toBe(before);
        },
      ),
      fuzzOptions(RUNS),
    );
    expect(refused).toBeGreaterThan(0);
    await expectHealthy(target.env);
  });

  it('POST /tokens: bad bodies are typed errors naming the field, a granted session gets a token', { timeout: fuzzTimeout(RUNS) }, async () => {
    let minted = 0;
    await fc.assert(
      fc.asyncProperty(tokenBody, fc.constantFrom<string | undefined>(undefined, ORIGIN, 'http://evil.example'), async (body, origin) => {
        const response = await fetch(`${target.env.url}/tokens`, { method: 'POST', headers: origin ? { origin } : {}, body });
        const context = `POST /tokens origin=${origin} ${body.slice(0, 120)}`;
        if (response.status === 200) {
          minted++;
          const grant = (await response.json()) as { token: string; expiresAt: number };
          const session = (JSON.parse(body) as { session: string }).session;
          // The token works for the session it was minted for.
          await expect(target.env.server.tokens.verify(grant.token, session)).resolves.toMatchObject({ userId: 'fuzz-user' });
          return;
        }
        const error = await expectTypedHttpError(response, context);
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = undefined;
        }
        if (error.code === 'bad_frame' && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
          expect(error.field, `${context}: field named`).toBeTypeOf('string');
        }
      }),
      fuzzOptions(RUNS),
    );
    expect(minted).toBeGreaterThan(0);
    await expectHealthy(target.env);
  });

  // Found by the property above: the Node adapter resolved the request target against the host,
  // so `//other.example/health` was served as `/health` of another host and `////%F3…` got an
  // empty 400. A target is a path on this host.
  it('treats a request target starting with // as a path on this host, answered with typed errors', async () => {
    const hostile = await fetch(`${target.env.url}//evil.example/health`);
    await expectTypedHttpError(hostile, 'GET //evil.example/health');
    expect(hostile.status).toBe(404);
    const unparsable = await fetch(`${target.env.url}////%F3%B6%92%80//Z//`);
    expect(unparsable.status).toBe(404);
    await expectTypedHttpError(unparsable, 'GET ////%F3%B6%92%80//Z//');
  });
});
