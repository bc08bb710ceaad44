// Wire fuzz of the WebSocket transport against a live server: random frames, one at a time, on
// a subscribed connection. Every bad frame gets a typed `error` frame, a rejected write leaves
// the log's head where it was, an accepted one moves it by exactly one, and the server keeps
// serving (the next ping is answered, /health is up, a normal client replays the whole log).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, PROTOCOL_VERSION, SessionRecordSchema, type ServerFrame } from '@marketing-team/core';
import { Follower, RawClient, readAll, until } from './_harness.js';
import { SESSION, eventLike, expectHealthy, expectTypedError, fuzzOptions, fuzzTimeout, headOffset, idLike, startFuzzServer, textLike, type FuzzServer } from './_fuzz.js';

const RUNS = 40;
let target: FuzzServer;

beforeAll(async () => {
  target = await startFuzzServer();
});

afterAll(async () => {
  await target?.close();
});

const frameTypes = ['hello', 'subscribe', 'unsubscribe', 'publish', 'cancel', 'steer', 'refresh', 'ping', 'welcome', 'events', 'bogus'];
const WRITE_TYPES = new Set(['publish', 'cancel', 'steer']);

/** Write frames from nearly valid to broken, so the fuzz reaches the hub and the store. */
const nearlyValid = fc.record(
  {
    type: fc.constantFrom('publish', 'publish', 'publish', 'cancel', 'steer'),
    session: fc.oneof({ weight: 5, arbitrary: fc.constant(SESSION) }, { weight: 1, arbitrary: idLike }),
    clientMsgId: fc.oneof(fc.uuid(), fc.constantFrom('dup-1', 'dup-2'), idLike),
    runId: idLike,
    instruction: textLike,
    scope: fc.oneof(fc.record({ taskId: idLike }), fc.record({ agent: idLike }), fc.anything()),
    mode: fc.constantFrom('next-turn', 'restart', 'later'),
    event: eventLike,
  },
  { requiredKeys: ['type', 'session', 'clientMsgId'] },
);

/** Any other frame: unknown types, wrong field types, handshakes mid-stream. */
const anyFrame = fc.record(
  {
    type: fc.constantFrom(...frameTypes),
    session: fc.oneof(fc.constant(SESSION), idLike),
    token: fc.oneof(fc.constant('TOKEN'), fc.string({ maxLength: 40 })),
    clientMsgId: fc.oneof(fc.uuid(), idLike),
    clientId: idLike,
    from: fc.oneof(fc.nat(5000), fc.integer(), fc.double(), fc.string({ maxLength: 4 })),
    epoch: fc.string({ maxLength: 20 }),
    protocol: fc.oneof(fc.constant(PROTOCOL_VERSION), fc.integer()),
    t: fc.oneof(fc.double(), fc.string({ maxLength: 10 })),
    event: fc.anything(),
  },
  { requiredKeys: ['type'] },
);

/** Raw text: not JSON, JSON that is not an object, keys that reach for the prototype. */
const rawText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.json({ maxDepth: 3 }),
  fc.constantFrom(
    '{"type":"publish","session":"fuzzed","clientMsgId":"p1","event":{"type":"card.created","cardId":"x","title":"t","__proto__":{"polluted":1}}}',
    '{"__proto__":{"type":"ping"}}',
    '{"type":"publish","session":"fuzzed","clientMsgId":"p2","event":{"type":"card.created","cardId":"__proto__","title":"t"}}',
    '{"type":"subscribe","session":"__proto__","token":"TOKEN"}',
    '{"type":"subscribe","session":"..","token":"TOKEN"}',
    'null',
    '[]',
    '""',
  ),
);

const frame = fc.oneof(
  { weight: 6, arbitrary: nearlyValid.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: anyFrame.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: rawText },
);

/** Resolves with the first frame after `mark` that passes `test`, or `undefined` once the socket closed. */
function answer(client: RawClient, mark: number, test: (frame: ServerFrame) => boolean): Promise<ServerFrame | undefined> {
  const found = () => client.frames.slice(mark).find(test);
  const now = found();
  if (now || client.socket.readyState !== client.socket.OPEN) return Promise.resolve(now);
  return new Promise((resolve) => {
    const previous = client.onFrame;
    const done = (value: ServerFrame | undefined) => {
      client.onFrame = previous;
      resolve(value);
    };
    client.onFrame = (next) => {
      previous?.(next);
      if (test(next)) done(next);
    };
    void client.closed.then(() => done(found()));
  });
}

/** The client message id a frame's answer carries, when the server can read one. */
function answerId(text: string): string | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { type, clientMsgId } = raw as { type?: unknown; clientMsgId?: unknown };
  return typeof type === 'string' && WRITE_TYPES.has(type) && typeof clientMsgId === 'string' && clientMsgId.length <= 128 ? clientMsgId : undefined;
}

const DOCUMENTED_CLOSES = new Set<number>([...Object.values(CloseCode), 1005, 1006]);

describe('fuzzing the WebSocket transport', () => {
  it('answers every bad frame with a typed error, stores nothing for a rejected write, and keeps serving', { timeout: fuzzTimeout(RUNS) }, async () => {
    let ping = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 12 }), fc.boolean(), async (frames, subscribe) => {
        const client = await RawClient.connect(target.env.wsUrl);
        if (subscribe) {
          client.send({ type: 'subscribe', session: SESSION, token: target.token });
          await client.next((f) => f.type === 'subscribed' || f.type === 'error');
        }
        for (const item of frames) {
          if (client.socket.readyState !== client.socket.OPEN) break;
          const text = item.replaceAll('"TOKEN"', JSON.stringify(target.token));
          const before = await headOffset(target.store);
          const mark = client.frames.length;
          client.send(text);
          const id = answerId(text);
          const t = ++ping;
          client.send({ type: 'ping', t });
          await answer(client, mark, (f) => f.type === 'pong' && f.t === t);
          const reply = id === undefined ? undefined : await answer(client, mark, (f) => (f.type === 'ack' || f.type === 'error') && f.clientMsgId === id);
          const after = await headOffset(target.store);
          for (const f of client.frames.slice(mark)) if (f.type === 'error') expectTypedError(f, `answer to ${text.slice(0, 200)}`);
          // A JSON object that fails validation is answered with the path of the offending field.
          if (reply?.type === 'error' && reply.code === 'bad_frame') expect(reply.field, `field named for ${text.slice(0, 200)}`).toBeTypeOf('string');
          if (reply?.type === 'ack' && !reply.duplicate) {
            accepted++;
            expect(after, 'an accepted write adds exactly one record').toBe(before + 1);
            expect(reply.offset).toBe(after);
          } else {
            expect(after, `nothing stored for ${text.slice(0, 200)}`).toBe(before);
          }
        }
        if (client.socket.readyState === client.socket.OPEN) {
          const t = ++ping;
          client.send({ type: 'ping', t });
          expect(await answer(client, 0, (f) => f.type === 'pong' && f.t === t)).toBeDefined();
          client.close();
        }
        const { code } = await client.closed;
        expect(DOCUMENTED_CLOSES.has(code), `close code ${code}`).toBe(true);
        await expectHealthy(target.env);
      }),
      fuzzOptions(RUNS),
    );
    // The generator must reach past validation, or this property would prove little.
    expect(accepted).toBeGreaterThan(0);

    // A normal client still gets the whole log, byte for byte, and can write.
    const client = await RawClient.connect(target.env.wsUrl);
    const follower = new Follower();
    client.onFrame = (f) => follower.onFrame(f);
    client.send({ type: 'subscribe', session: SESSION, token: target.token, from: 0 });
    client.send({ type: 'publish', session: SESSION, clientMsgId: 'after-fuzz', event: { type: 'card.created', cardId: 'after', title: 'Still here' } });
    const ack = await client.next((f) => f.type === 'ack' && f.clientMsgId === 'after-fuzz');
    if (ack.type !== 'ack') throw new Error('expected an ack');
    await until(() => follower.offset >= ack.offset, 10_000, 'full replay');
    const log = await readAll(target.store, SESSION);
    expect(log).toHaveLength(ack.offset);
    log.forEach((record, index) => {
      expect(record.offset).toBe(index + 1);
      expect(SessionRecordSchema.safeParse(record).success).toBe(true);
    });
    expect(follower.problems).toEqual([]);
    expect(follower.records).toEqual(log);
    client.close();
  });
});
