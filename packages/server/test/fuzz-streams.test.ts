// Wire fuzz of the Durable Streams routes (`/streams`) against a live server: random methods,
// paths (session streams and generic streams), query parameters, protocol headers and bodies.
// Every refusal has a status the protocol documents (never a 5xx) and a plain-text reason, a
// refused write changes no stream and no session log, and the server keeps serving.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION, expectHealthy, fuzzOptions, fuzzTimeout, headOffset, idLike, startFuzzServer, type FuzzServer } from './_fuzz.js';

const RUNS = 120;
/** Statuses the Durable Streams protocol gives refusals. */
const REFUSALS = new Set([400, 401, 403, 404, 405, 409, 410, 413, 415, 416]);
/** Streams created once; the fuzz may append to them but never deletes them. */
const FIXED = ['/streams/fuzz/json', '/streams/fuzz/bytes'];

let target: FuzzServer;

beforeAll(async () => {
  target = await startFuzzServer();
  await target.env.server.hub.publish(SESSION, { userId: 'u', capabilities: ['write'], expiresAt: Math.floor(Date.now() / 1000) + 600 }, 'seed', {
    type: 'card.created',
    cardId: 'seed',
    title: 'Seed',
  });
  const made = await Promise.all([
    fetch(`${target.env.url}${FIXED[0]}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '[{"n":1}]' }),
    fetch(`${target.env.url}${FIXED[1]}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: 'abc' }),
  ]);
  for (const response of made) expect(response.status).toBe(201);
});

afterAll(async () => {
  await target?.close();
});

/** A fixed stream's tail and closed flag, read from the stream store itself. */
async function tail(path: string): Promise<string> {
  const metadata = await target.streams.getStream(path.slice('/streams'.length));
  expect(metadata, `${path} still exists`).toBeDefined();
  return `${metadata!.tail}${metadata!.closed ? ' closed' : ''}`;
}

const segment = fc.oneof(
  { weight: 3, arbitrary: idLike.map((id) => encodeURIComponent(id)) },
  { weight: 1, arbitrary: fc.constantFrom('..', '.', '%2e%2e', '%E0%A4%A', '%', '%00', '', 'snapshot', 'a%2Fb', 'x'.repeat(600)) },
);

const path = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FIXED) },
  { weight: 3, arbitrary: fc.tuple(fc.oneof(fc.constant(SESSION), segment), fc.option(fc.constantFrom('snapshot', 'extra', ''))).map(([id, extra]) => `/streams/sessions/${id}${extra === null ? '' : `/${extra}`}`) },
  { weight: 2, arbitrary: fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/streams/${parts.join('/')}`) },
  { weight: 1, arbitrary: fc.constantFrom('/streams', '/streams/', '/streams//x', '/streams/sessions/', '/streams/fuzz/json/..', '/streams/fuzz/../fuzz/json') },
);

const headerValue = fc.oneof(fc.string({ maxLength: 20 }), fc.nat().map(String), fc.integer().map(String), fc.constantFrom('true', 'false', '-1', 'now', '1e400', '2026-01-01T00:00:00Z', ''));
const headers = fc.dictionary(
  fc.constantFrom('content-type', 'stream-seq', 'stream-ttl', 'stream-expires-at', 'stream-closed', 'producer-id', 'producer-epoch', 'producer-seq', 'stream-forked-from', 'stream-fork-offset', 'stream-fork-sub-offset', 'if-none-match', 'authorization'),
  fc.oneof({ weight: 3, arbitrary: headerValue }, { weight: 1, arbitrary: fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', 'Bearer TOKEN', '/streams/fuzz/json') }),
  { maxKeys: 5 },
);
const query = fc.dictionary(fc.constantFrom('offset', 'live', 'cursor', 'token', 'x'), fc.oneof(headerValue, fc.constantFrom('sse', 'long-poll', 'catch-up', 'TOKEN')), { maxKeys: 3 });
const body = fc.oneof(
  fc.constant(undefined),
  fc.json({ maxDepth: 2 }),
  fc.string({ maxLength: 100 }),
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom('[]', '[{"a":1},{"b":2}]', '{', 'null', 'x'.repeat(70 * 1024)),
);
const method = fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');

describe('fuzzing the Durable Streams routes', () => {
  it('refuses bad requests with a documented status and changes nothing on a refused write', { timeout: fuzzTimeout(RUNS) }, async () => {
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(method, path, headers, query, body, async (verb, where, rawHeaders, rawQuery, content) => {
        // Deleting the fixed streams would end the comparison below; deletes go elsewhere.
        const resolved = new URL(where, target.env.url).pathname;
        const url = verb === 'DELETE' && FIXED.includes(resolved) ? `${resolved}-deleted` : where;
        const swap = (value: string) => value.replaceAll('TOKEN', target.token);
        const search = new URLSearchParams(Object.entries(rawQuery).map(([key, value]) => [key, swap(value)]));
        const requestHeaders = Object.fromEntries(Object.entries(rawHeaders).map(([key, value]) => [key, swap(value)]));
        const before = { session: await headOffset(target.store), tails: await Promise.all(FIXED.map(tail)) };
        const abort = new AbortController();
        const response = await fetch(`${target.env.url}${url}${search.size > 0 ? `?${search}` : ''}`, {
          method: verb,
          headers: requestHeaders,
          ...(content === undefined || verb === 'GET' || verb === 'HEAD' ? {} : { body: content }),
          signal: abort.signal,
        });
        const context = `${verb} ${url}?${search} ${JSON.stringify(requestHeaders)}`;
        try {
          expect(response.status, `${context}: no server failure`).toBeLessThan(500);
          if (response.status >= 400) {
            refused++;
            expect(REFUSALS.has(response.status), `${context}: documented status ${response.status}`).toBe(true);
            const text = await response.text();
            if (verb !== 'HEAD') expect(text.length, `${context}: a reason`).toBeGreaterThan(0);
            expect(response.headers.get('content-type') ?? '', `${context}: plain text, never HTML`).toMatch(/^(text\/plain|application\/json)/);
            // Nothing partial: a refused request changed no stream and no session log.
            expect(await headOffset(target.store)).toBe(before.session);
            expect(await Promise.all(FIXED.map(tail))).toEqual(before.tails);
          }
        } finally {
          abort.abort();
          await response.body?.cancel().catch(() => undefined);
        }
        // Session streams are read-only, whatever was asked.
        expect(await headOffset(target.store)).toBe(before.session);
      }),
      fuzzOptions(RUNS),
    );
    expect(refused).toBeGreaterThan(0);
    await expectHealthy(target.env);
    // The next valid requests still work: an append, and a read of the session log.
    const appended = await fetch(`${target.env.url}${FIXED[0]}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"after":"fuzz"}' });
    expect(appended.status).toBeLessThan(300);
    const read = await fetch(`${target.env.url}/streams/sessions/${SESSION}?offset=-1`, { headers: { authorization: `Bearer ${target.token}` } });
    expect(read.status).toBe(200);
    expect(((await read.json()) as unknown[]).length).toBe(await headOffset(target.store));
  });

  // Found by the property above: decoding the session id threw, and the handler answered 500.
  it('answers a malformed escape in a session id with 400, not a server failure', async () => {
    for (const verb of ['GET', 'HEAD']) {
      const response = await fetch(`${target.env.url}/streams/sessions/%E0%A4%A`, { method: verb, headers: { authorization: `Bearer ${target.token}` } });
      expect(response.status).toBe(400);
    }
  });
});
