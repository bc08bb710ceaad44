// Wire fuzz of the SSE + POST transport against a live server: random `POST …/messages` bodies,
// tokens, content types and session path segments, and random `GET …/events` resume positions.
// Every refusal is a typed JSON error naming the field, a refused write leaves the log's head
// where it was, an accepted one moves it by exactly one, and the server keeps serving.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION, eventLike, expectHealthy, expectTypedHttpError, fuzzOptions, fuzzTimeout, headOffset, idLike, startFuzzServer, textLike, type FuzzServer } from './_fuzz.js';

const RUNS = 150;
let target: FuzzServer;
let readOnly: string;
let otherSession: string;

beforeAll(async () => {
  target = await startFuzzServer();
  readOnly = await target.env.token(SESSION, ['read']);
  otherSession = await target.env.token('another-session');
});

afterAll(async () => {
  await target?.close();
});

const body = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record(
        {
          type: fc.constantFrom('publish', 'publish', 'cancel', 'steer', 'subscribe', 'ping', 'bogus'),
          session: fc.oneof({ weight: 5, arbitrary: fc.constant(SESSION) }, { weight: 1, arbitrary: idLike }),
          clientMsgId: fc.oneof(fc.uuid(), fc.constantFrom('dup-1', 'dup-2'), idLike),
          runId: idLike,
          instruction: textLike,
          scope: fc.oneof(fc.record({ taskId: idLike }), fc.anything()),
          event: eventLike,
        },
        { requiredKeys: ['type', 'session', 'clientMsgId'] },
      )
      .map((value) => JSON.stringify(value)),
  },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[]', '{"__proto__":{"type":"publish"}}', `{"type":"publish","session":"${SESSION}","clientMsgId":"big","event":{"type":"card.created","cardId":"b","title":"${'x'.repeat(70_000)}"}}`) },
);

type TokenKind = 'good' | 'read-only' | 'other-session' | 'garbage' | 'none' | 'query';
const tokenKind = fc.constantFrom<TokenKind>('good', 'good', 'good', 'read-only', 'other-session', 'garbage', 'none', 'query');
const pathSession = fc.oneof({ weight: 6, arbitrary: fc.constant(SESSION) }, { weight: 1, arbitrary: idLike.map((id) => encodeURIComponent(id)) }, { weight: 1, arbitrary: fc.constantFrom('%E0%A4%A', '%', '..', '__proto__', 'a%2Fb') });

function authorization(kind: TokenKind): { headers: Record<string, string>; query: string } {
  switch (kind) {
    case 'good':
      return { headers: { authorization: `Bearer ${target.token}` }, query: '' };
    case 'read-only':
      return { headers: { authorization: `Bearer ${readOnly}` }, query: '' };
    case 'other-session':
      return { headers: { authorization: `Bearer ${otherSession}` }, query: '' };
    case 'garbage':
      return { headers: { authorization: 'Bearer not.a.token' }, query: '' };
    case 'query':
      return { headers: {}, query: `?token=${encodeURIComponent(target.token)}` };
    case 'none':
      return { headers: {}, query: '' };
  }
}

describe('fuzzing the SSE + POST transport', () => {
  it('POST …/messages: typed errors, nothing stored for a refused write, one record for an accepted one', { timeout: fuzzTimeout(RUNS) }, async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(body, tokenKind, pathSession, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''), async (text, kind, session, contentType) => {
        const { headers, query } = authorization(kind);
        const before = await headOffset(target.store);
        const response = await fetch(`${target.env.url}/sessions/${session}/messages${query}`, {
          method: 'POST',
          headers: { ...headers, ...(contentType ? { 'content-type': contentType } : {}) },
          body: text,
        });
        const after = await headOffset(target.store);
        if (response.status === 200) {
          const ack = (await response.json()) as { type: string; offset: number; duplicate: boolean };
          expect(ack.type).toBe('ack');
          if (!ack.duplicate) {
            accepted++;
            expect(after).toBe(before + 1);
            expect(ack.offset).toBe(after);
          } else expect(after).toBe(before);
        } else {
          const error = await expectTypedHttpError(response, `POST ${session} ${text.slice(0, 200)}`);
          expect(after, 'nothing stored for a refused write').toBe(before);
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          // A JSON object that fails validation is answered with the path of the offending field.
          if (error.code === 'bad_frame' && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
            expect(error.field, `field named for ${text.slice(0, 200)}`).toBeTypeOf('string');
          }
        }
      }),
      fuzzOptions(RUNS),
    );
    expect(accepted).toBeGreaterThan(0);
    await expectHealthy(target.env);
    // The next valid write still works.
    const ok = await fetch(`${target.env.url}/sessions/${SESSION}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'publish', session: SESSION, clientMsgId: 'after-sse-fuzz', event: { type: 'card.created', cardId: 'after', title: 'Still here' } }),
    });
    expect(ok.status).toBe(200);
  });

  it('GET …/events: a bad resume position, token or session is a typed error; a good one streams', { timeout: fuzzTimeout(RUNS) }, async () => {
    const from = fc.oneof(fc.constant(undefined), fc.nat(50).map(String), fc.integer().map(String), fc.double().map(String), fc.string({ maxLength: 8 }), fc.constantFrom('-1', '1e400', '0x10', ' ', 'NaN'));
    await fc.assert(
      fc.asyncProperty(from, fc.boolean(), tokenKind, pathSession, fc.option(idLike), async (position, asHeader, kind, session, clientId) => {
        const { headers, query } = authorization(kind);
        const params = new URLSearchParams(query.slice(1));
        if (position !== undefined && !asHeader) params.set('from', position);
        if (clientId !== null) params.set('clientId', clientId);
        const abort = new AbortController();
        const response = await fetch(`${target.env.url}/sessions/${session}/events?${params}`, {
          headers: { ...headers, ...(position !== undefined && asHeader ? { 'last-event-id': position } : {}) },
          signal: abort.signal,
        });
        try {
          if (response.status === 200) {
            expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
          } else {
            await expectTypedHttpError(response, `GET events ${session} from ${position}`);
          }
        } finally {
          abort.abort();
          await response.body?.cancel().catch(() => undefined);
        }
      }),
      fuzzOptions(RUNS),
    );
    await expectHealthy(target.env);
  });
});
