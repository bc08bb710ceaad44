import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_EVENT_TYPES, type ServerFrameOf } from '@marketing-team/core';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import { createScriptedProducer } from '../src/runtime/scripted-producer.js';
import { SignJWT } from 'jose';
import { Follower, RawClient, SECRET, readAll, runEnded, startServer, tempDir, until, type RunningServer } from './_harness.js';
import { listMessages } from '@marketing-team/core';

let dir: ReturnType<typeof tempDir>;
let store: SqliteStore;
let env: RunningServer;

beforeAll(async () => {
  dir = tempDir();
  store = new SqliteStore({ path: join(dir.path, 'sessions.db'), synchronous: 'normal' });
  env = await startServer(store, { launcher: createScriptedProducer({ deltas: 1500, deltasPerSecond: 3000 }) });
});

afterAll(async () => {
  await env?.close();
  await store?.close();
  dir?.cleanup();
});

const content = new Set<string>(CONTENT_EVENT_TYPES);

async function startRun(session: string, runId: string) {
  const client = await RawClient.connect(env.wsUrl);
  const follower = new Follower();
  client.onFrame = (frame) => follower.onFrame(frame);
  client.send({ type: 'subscribe', session, token: await env.token(session), from: 0 });
  client.send({ type: 'publish', session, clientMsgId: `brief-${runId}`, event: { type: 'brief.submitted', runId, brief: { goal: 'Matrix' } } });
  await client.next((frame) => frame.type === 'ack');
  await until(() => follower.records.some((record) => record.event.type === 'text.delta'), 10_000, 'first delta');
  return { client, follower };
}

async function lastRunEvent(session: string, runId: string) {
  const log = await readAll(store, session);
  return log.filter((record) => 'runId' in record.event && record.event.runId === runId).at(-1);
}

describe('disconnect is never cancel', () => {
  it('tab closed: the run continues and completes with nobody watching', async () => {
    const { client } = await startRun('closed-tab', 'run-1');
    client.close();
    await client.closed;
    await until(() => runEnded(store, 'closed-tab', 'run-1'), 20_000, 'run end');
    expect((await lastRunEvent('closed-tab', 'run-1'))?.event.type).toBe('run.completed');
  });

  it('network drop: the run continues and completes', async () => {
    const { client } = await startRun('network-drop', 'run-1');
    client.terminate();
    await until(() => runEnded(store, 'network-drop', 'run-1'), 20_000, 'run end');
    expect((await lastRunEvent('network-drop', 'run-1'))?.event.type).toBe('run.completed');
  });
});

describe('explicit cancel', () => {
  it('device A cancels while B watches: both see run.cancelled, partial output kept, nothing after it', async () => {
    const session = 'cancel-ab';
    const a = await startRun(session, 'run-1');
    const b = { client: await RawClient.connect(env.wsUrl), follower: new Follower() };
    b.client.onFrame = (frame) => b.follower.onFrame(frame);
    b.client.send({ type: 'subscribe', session, token: await env.token(session, ['read'], 'user-2') });
    await b.client.next((frame) => frame.type === 'snapshot');
    a.client.send({ type: 'cancel', session, clientMsgId: 'cancel-1', runId: 'run-1', reason: 'changed my mind' });
    const ack = await a.client.next<ServerFrameOf<'ack'>>((frame) => frame.type === 'ack' && frame.clientMsgId === 'cancel-1');
    expect(ack.duplicate).toBe(false);
    for (const device of [a, b]) {
      await until(() => device.follower.state.runs['run-1']?.status === 'cancelled', 10_000, 'run.cancelled');
    }
    // Let the producer notice and stop, then check the fence held.
    await until(() => env.server.hub.ownedRuns(session).length === 0, 10_000, 'producer stop');
    const log = await readAll(store, session);
    const cancelledAt = log.findIndex((record) => record.event.type === 'run.cancelled');
    expect(cancelledAt).toBeGreaterThan(0);
    expect(log.slice(cancelledAt + 1).filter((record) => content.has(record.event.type))).toEqual([]);
    const deltas = log.filter((record) => record.event.type === 'text.delta').length;
    expect(deltas).toBeGreaterThan(0);
    expect(deltas).toBeLessThan(1500);
    const message = listMessages(a.follower.state)[0];
    expect(message?.text.length).toBeGreaterThan(0);
    expect(JSON.stringify(a.follower.state)).toBe(JSON.stringify(b.follower.state));
    const cancelled = log[cancelledAt]!.event;
    expect(cancelled).toMatchObject({ type: 'run.cancelled', by: { kind: 'human', id: 'user-1' } });

    // Duplicate cancel: a retry with the same id is acknowledged as a duplicate, a new one as a no-op.
    const head = (await store.head(session)).offset;
    a.client.send({ type: 'cancel', session, clientMsgId: 'cancel-1', runId: 'run-1' });
    a.client.send({ type: 'cancel', session, clientMsgId: 'cancel-2', runId: 'run-1' });
    const again = await a.client.next<ServerFrameOf<'ack'>>((frame) => frame.type === 'ack' && frame.clientMsgId === 'cancel-1');
    const noop = await a.client.next<ServerFrameOf<'ack'>>((frame) => frame.type === 'ack' && frame.clientMsgId === 'cancel-2');
    expect(again.offset).toBeLessThanOrEqual(head);
    expect(noop.offset).toBe(log[cancelledAt]!.offset);
    expect((await store.head(session)).offset).toBe(head);
    a.client.close();
    b.client.close();
  });

  it('a cancel over the SSE fallback stops the run too', async () => {
    const session = 'cancel-sse';
    const { client, follower } = await startRun(session, 'run-1');
    const response = await fetch(`${env.url}/sessions/${session}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await env.token(session)}`, 'content-type': 'application/json', origin: 'http://app.example' },
      body: JSON.stringify({ type: 'cancel', session, clientMsgId: 'c1', runId: 'run-1' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: 'ack', clientMsgId: 'c1', duplicate: false });
    await until(() => follower.state.runs['run-1']?.status === 'cancelled', 10_000, 'run.cancelled');
    client.close();
  });

  it('cancel of an unknown run is not_found; steer of an ended run is a conflict', async () => {
    const session = 'closed-tab';
    const client = await RawClient.connect(env.wsUrl);
    client.send({ type: 'subscribe', session, token: await env.token(session) });
    client.send({ type: 'cancel', session, clientMsgId: 'x1', runId: 'nope' });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'not_found', field: 'runId', clientMsgId: 'x1' });
    client.send({ type: 'steer', session, clientMsgId: 'x2', runId: 'run-1', instruction: 'shorter' });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'conflict', clientMsgId: 'x2' });
    client.close();
  });
});

describe('authorisation', () => {
  it('a read-only token cannot cancel or publish', async () => {
    const session = 'read-only';
    const { client: owner } = await startRun(session, 'run-1');
    const reader = await RawClient.connect(env.wsUrl);
    reader.send({ type: 'subscribe', session, token: await env.token(session, ['read'], 'viewer') });
    await reader.next((frame) => frame.type === 'subscribed');
    const head = (await store.head(session)).offset;
    reader.send({ type: 'cancel', session, clientMsgId: 'c1', runId: 'run-1' });
    expect(await reader.next((frame) => frame.type === 'error')).toMatchObject({ code: 'forbidden', clientMsgId: 'c1' });
    reader.send({ type: 'publish', session, clientMsgId: 'p1', event: { type: 'card.created', cardId: 'c', title: 'Hi' } });
    expect(await reader.next((frame) => frame.type === 'error')).toMatchObject({ code: 'forbidden', clientMsgId: 'p1' });
    reader.send({ type: 'steer', session, clientMsgId: 's1', runId: 'run-1', instruction: 'x' });
    expect(await reader.next((frame) => frame.type === 'error')).toMatchObject({ code: 'forbidden', clientMsgId: 's1' });
    const log = await readAll(store, session);
    const written = new Set(['cancel.requested', 'card.created', 'steer.submitted']);
    expect(log.filter((record) => record.offset > head && written.has(record.event.type))).toEqual([]);
    const sse = await fetch(`${env.url}/sessions/${session}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await env.token(session, ['read'], 'viewer')}` },
      body: JSON.stringify({ type: 'cancel', session, clientMsgId: 'c2', runId: 'run-1' }),
    });
    expect(sse.status).toBe(403);
    owner.close();
    reader.close();
  });

  it('a token for session A cannot touch session B', async () => {
    const tokenA = await env.token('session-a');
    const client = await RawClient.connect(env.wsUrl);
    client.send({ type: 'subscribe', session: 'session-b', token: tokenA });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'forbidden', session: 'session-b' });
    client.send({ type: 'publish', session: 'session-b', clientMsgId: 'p1', event: { type: 'card.created', cardId: 'c', title: 'Hi' } });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'unauthorized', clientMsgId: 'p1' });
    const post = await fetch(`${env.url}/sessions/session-b/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenA}` },
      body: JSON.stringify({ type: 'publish', session: 'session-b', clientMsgId: 'p2', event: { type: 'card.created', cardId: 'c', title: 'Hi' } }),
    });
    expect(post.status).toBe(403);
    const stream = await fetch(`${env.url}/sessions/session-b/events`, { headers: { authorization: `Bearer ${tokenA}` } });
    expect(stream.status).toBe(403);
    const bad = await fetch(`${env.url}/sessions/session-b/events?token=garbage`);
    expect(bad.status).toBe(401);
    expect((await store.head('session-b')).offset).toBe(0);
    client.close();
  });

  it('ends a subscription when its token expires', async () => {
    const session = 'expiring';
    const client = await RawClient.connect(env.wsUrl);
    client.send({ type: 'subscribe', session, token: await env.token(session, ['read', 'write'], 'user-1', 1) });
    await client.next((frame) => frame.type === 'subscribed');
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'unauthorized', field: 'token', session });
    client.send({ type: 'publish', session, clientMsgId: 'late', event: { type: 'card.created', cardId: 'c', title: 'Too late' } });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'unauthorized', clientMsgId: 'late' });
    expect((await store.head(session)).offset).toBe(0);
    client.close();
  });

  it('an expired or forged token is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (secret: string) =>
      new SignJWT({ sid: 's-exp', cap: ['read'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u')
        .setIssuer('marketing-team')
        .setAudience('marketing-team-session')
        .setIssuedAt(now - 120)
        .setExpirationTime(now - 60)
        .sign(new TextEncoder().encode(secret));
    const client = await RawClient.connect(env.wsUrl);
    client.send({ type: 'subscribe', session: 's-exp', token: await sign(SECRET) });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'unauthorized', field: 'token', message: 'token: expired' });
    const forged = await new SignJWT({ sid: 's-exp', cap: ['read'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setIssuer('marketing-team')
      .setAudience('marketing-team-session')
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    client.send({ type: 'subscribe', session: 's-exp', token: forged });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'unauthorized', field: 'token' });
    client.close();
  });
});
