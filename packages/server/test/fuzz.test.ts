import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, SessionRecordSchema } from '@marketing-team/core';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import { createScriptedProducer } from '../src/runtime/scripted-producer.js';
import { Follower, RawClient, readAll, startServer, tempDir, until, type RunningServer } from './_harness.js';

const SESSION = 'fuzzed';
let dir: ReturnType<typeof tempDir>;
let store: SqliteStore;
let env: RunningServer;
let token: string;

beforeAll(async () => {
  dir = tempDir();
  store = new SqliteStore({ path: join(dir.path, 'sessions.db'), synchronous: 'normal' });
  env = await startServer(store, { launcher: createScriptedProducer({ deltas: 20, deltasPerSecond: 1000 }) });
  token = await env.token(SESSION);
});

afterAll(async () => {
  await env?.close();
  await store?.close();
  dir?.cleanup();
});

const types = ['hello', 'subscribe', 'unsubscribe', 'publish', 'cancel', 'steer', 'refresh', 'ping', 'welcome', 'events', 'bogus'];
const eventTypes = ['brief.submitted', 'cancel.requested', 'steer.submitted', 'card.created', 'card.updated', 'card.commented', 'run.completed', 'text.delta', 'nope'];

/** Frames from nonsense to nearly valid, so the fuzz reaches deep into validation. */
const nearlyValid = fc.record(
  {
    type: fc.constantFrom('publish', 'publish', 'cancel', 'steer'),
    session: fc.constant(SESSION),
    clientMsgId: fc.oneof(fc.uuid(), fc.constantFrom('dup-1', 'dup-2')),
    runId: fc.constantFrom('run-a', 'run-b'),
    instruction: fc.string({ minLength: 1, maxLength: 30 }),
    event: fc.oneof(
      fc.record({ type: fc.constant('card.created'), cardId: fc.constantFrom('c1', 'c2', 'c3'), title: fc.string({ minLength: 1, maxLength: 40 }) }),
      fc.record({ type: fc.constant('card.commented'), cardId: fc.constantFrom('c1', 'c2'), text: fc.string({ maxLength: 40 }) }),
      fc.record({ type: fc.constant('brief.submitted'), runId: fc.constantFrom('run-a', 'run-b'), brief: fc.record({ goal: fc.string({ maxLength: 30 }) }) }),
      fc.record({ type: fc.constantFrom('run.completed', 'text.delta'), runId: fc.constant('run-a') }),
    ),
  },
  { requiredKeys: ['type', 'session', 'clientMsgId', 'event'] },
);

const frame = fc.oneof(
  { arbitrary: nearlyValid, weight: 6 },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
  { arbitrary: fc.json({ maxDepth: 3 }), weight: 1 },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        type: fc.constantFrom(...types),
        session: fc.oneof(fc.constant(SESSION), fc.string({ maxLength: 20 })),
        token: fc.oneof(fc.constant('TOKEN'), fc.string({ maxLength: 40 })),
        clientMsgId: fc.oneof(fc.uuid(), fc.string({ maxLength: 10 })),
        from: fc.oneof(fc.nat(5000), fc.integer(), fc.double()),
        protocol: fc.oneof(fc.constant(PROTOCOL_VERSION), fc.integer()),
        runId: fc.oneof(fc.constantFrom('run-a', 'run-b'), fc.string({ maxLength: 10 })),
        instruction: fc.string({ maxLength: 50 }),
        event: fc.record(
          {
            type: fc.constantFrom(...eventTypes),
            runId: fc.constantFrom('run-a', 'run-b', ''),
            cardId: fc.string({ maxLength: 12 }),
            title: fc.string({ maxLength: 40 }),
            text: fc.string({ maxLength: 40 }),
            brief: fc.oneof(fc.record({ goal: fc.string({ maxLength: 30 }) }), fc.anything()),
            by: fc.anything(),
          },
          { requiredKeys: ['type'] },
        ),
        t: fc.oneof(fc.double(), fc.string()),
      },
      { requiredKeys: ['type'] },
    ),
  },
);

describe('fuzzing a live server with random frames', () => {
  it('keeps serving normal clients and keeps the log intact', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 25 }), fc.integer({ min: 0, max: 4 }).map((n) => n > 0), async (frames, handshake) => {
        const client = await RawClient.connect(env.wsUrl, { hello: handshake });
        if (handshake) client.send({ type: 'subscribe', session: SESSION, token });
        for (const item of frames) {
          const text = typeof item === 'string' ? item : JSON.stringify(item).replaceAll('"TOKEN"', JSON.stringify(token));
          if (client.socket.readyState === client.socket.OPEN) client.send(text);
        }
        client.close();
        await client.closed;
      }),
      { numRuns: 60, seed: 42 },
    );

    // Let anything the fuzz started (briefs it managed to submit) settle.
    await until(() => env.server.hub.ownedRuns(SESSION).length === 0, 20_000, 'runs to settle');

    // A normal client still gets the whole log, byte for byte, and can write.
    const client = await RawClient.connect(env.wsUrl);
    const follower = new Follower();
    client.onFrame = (f) => follower.onFrame(f);
    client.send({ type: 'subscribe', session: SESSION, token, from: 0 });
    client.send({ type: 'publish', session: SESSION, clientMsgId: 'after-fuzz', event: { type: 'card.created', cardId: 'after', title: 'Still here' } });
    const ack = await client.next((f) => f.type === 'ack' && f.clientMsgId === 'after-fuzz');
    if (ack.type !== 'ack') throw new Error('expected an ack');
    await until(() => follower.offset >= ack.offset, 10_000, 'full replay');
    // Writes of fuzz sockets that closed early may still land, so read the log after the ack.
    const log = (await readAll(store, SESSION)).slice(0, ack.offset);
    log.forEach((record, index) => {
      expect(record.offset).toBe(index + 1);
      expect(SessionRecordSchema.safeParse(record).success).toBe(true);
    });
    // The generator must reach past validation, or this test would prove little.
    expect(log.some((record) => record.event.type === 'card.created' && record.event.cardId !== 'after')).toBe(true);
    expect(log[ack.offset - 1]?.event).toMatchObject({ type: 'card.created', cardId: 'after' });
    expect(follower.problems).toEqual([]);
    expect(follower.records.slice(0, ack.offset)).toEqual(log);
    const health = await fetch(`${env.url}/health`);
    expect(await health.json()).toMatchObject({ ok: true, protocol: PROTOCOL_VERSION });
    client.close();
  });
});
