import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, PROTOCOL_VERSION } from '@marketing-team/core';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import { createScriptedProducer } from '../src/runtime/scripted-producer.js';
import { RawClient, readAll, runEnded, startServer, tempDir, until, type RunningServer } from './_harness.js';

let dir: ReturnType<typeof tempDir>;
let store: SqliteStore;
let env: RunningServer;

beforeAll(async () => {
  dir = tempDir();
  store = new SqliteStore({ path: join(dir.path, 'sessions.db'), synchronous: 'normal' });
  env = await startServer(store, { launcher: createScriptedProducer({ deltas: 200, deltasPerSecond: 2000 }) });
});

afterAll(async () => {
  await env?.close();
  await store?.close();
  dir?.cleanup();
});

async function stillServes(client: RawClient): Promise<void> {
  client.send({ type: 'ping', t: 7 });
  expect(await client.next((frame) => frame.type === 'pong')).toEqual({ type: 'pong', t: 7 });
}

describe('bad frames over WebSocket', () => {
  it('refuses an upgrade from a foreign Origin with 403 before upgrading', async () => {
    await expect(RawClient.connect(env.wsUrl, { origin: 'http://evil.example' })).rejects.toThrow('403');
  });

  it('answers malformed JSON, unknown types and bad fields with typed errors and keeps the socket open', async () => {
    const client = await RawClient.connect(env.wsUrl);
    client.send('{not json');
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'bad_frame' });
    client.send({ type: 'launch-missiles' });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'bad_frame', field: 'type' });
    client.send({ type: 'subscribe', session: 'has spaces', token: 'x' });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'bad_frame', field: 'session' });
    client.send({ type: 'subscribe', session: 'ok', token: 'not-a-token' });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'unauthorized', field: 'token', session: 'ok' });
    await stillServes(client);
    client.close();
  });

  it('requires hello first', async () => {
    const client = await RawClient.connect(env.wsUrl, { hello: false });
    client.send({ type: 'ping' });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'handshake_required' });
    client.send({ type: 'hello', protocol: PROTOCOL_VERSION, clientId: 'late-hello' });
    await client.next((frame) => frame.type === 'welcome');
    await stillServes(client);
    client.close();
  });

  it('closes with 4000 on a wrong protocol version', async () => {
    const client = await RawClient.connect(env.wsUrl, { hello: false });
    client.send({ type: 'hello', protocol: PROTOCOL_VERSION + 1, clientId: 'future' });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'unsupported_version', field: 'protocol' });
    expect((await client.closed).code).toBe(CloseCode.unsupportedVersion);
  });

  it('closes with 1009 on an oversize frame', async () => {
    const client = await RawClient.connect(env.wsUrl);
    client.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(70 * 1024) }));
    expect((await client.closed).code).toBe(CloseCode.tooLarge);
  });

  it('closes with 4003 after repeated abuse', async () => {
    const client = await RawClient.connect(env.wsUrl);
    for (let i = 0; i < 30; i++) client.send('nonsense');
    expect((await client.closed).code).toBe(CloseCode.abuse);
  });

  it('stores nothing from a refused publish', async () => {
    const session = 'refused';
    const client = await RawClient.connect(env.wsUrl);
    client.send({ type: 'subscribe', session, token: await env.token(session) });
    await client.next((frame) => frame.type === 'subscribed');
    client.send({ type: 'publish', session, clientMsgId: 'p1', event: { type: 'run.completed', runId: 'r', deliverableIds: [] } });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'bad_frame', field: 'event.type', clientMsgId: 'p1' });
    client.send({ type: 'publish', session, clientMsgId: 'p2', event: { type: 'brief.submitted', runId: 'r', brief: { goal: '' } } });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'bad_frame', clientMsgId: 'p2' });
    client.send({ type: 'publish', session, clientMsgId: 'p3', event: { type: 'card.created', cardId: 'c1', title: 'x'.repeat(301) } });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'bad_frame', clientMsgId: 'p3' });
    client.send({ type: 'publish', session: 'not-subscribed', clientMsgId: 'p4', event: { type: 'card.created', cardId: 'c1', title: 'ok' } });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'unauthorized', clientMsgId: 'p4' });
    expect((await store.head(session)).offset).toBe(0);
    // A forged actor is replaced by the token's user.
    client.send({ type: 'publish', session, clientMsgId: 'p5', event: { type: 'card.created', cardId: 'c1', title: 'ok', by: { kind: 'human', id: 'admin' } } });
    expect(await client.next((frame) => frame.type === 'ack')).toMatchObject({ clientMsgId: 'p5', offset: 1, duplicate: false });
    expect((await readAll(store, session))[0]?.event).toMatchObject({ by: { kind: 'human', id: 'user-1' } });
    client.close();
  });
});

describe('limits', () => {
  it('rate-limits a flood of frames per connection', async () => {
    const limited = await startServer(store, { rateLimit: { messagesPerSecond: 1, burst: 5 } });
    try {
      const client = await RawClient.connect(limited.wsUrl);
      for (let i = 0; i < 8; i++) client.send({ type: 'ping' });
      expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'rate_limited' });
      client.close();
    } finally {
      await limited.close();
    }
  });

  it('caps the sessions one connection may follow', async () => {
    const capped = await startServer(store, { maxSessionsPerConnection: 2 });
    try {
      const client = await RawClient.connect(capped.wsUrl);
      for (const session of ['cap-1', 'cap-2', 'cap-3']) client.send({ type: 'subscribe', session, token: await capped.token(session) });
      expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'rate_limited', session: 'cap-3' });
      client.send({ type: 'unsubscribe', session: 'cap-1' });
      client.send({ type: 'subscribe', session: 'cap-3', token: await capped.token('cap-3') });
      expect(await client.next((frame) => frame.type === 'subscribed' && frame.session === 'cap-3')).toMatchObject({ session: 'cap-3' });
      client.close();
    } finally {
      await capped.close();
    }
  });

  it('closes a silent peer with 4002 after the idle timeout', async () => {
    const quick = await startServer(store, { heartbeatMs: 100 });
    try {
      const url = new URL(quick.wsUrl);
      // A raw TCP client that upgrades and then never answers pings.
      const socket = connect(Number(url.port), url.hostname);
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      const code = await new Promise<number>((resolve) => {
        let buffer = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          buffer = Buffer.concat([buffer, chunk]);
          const head = buffer.indexOf('\r\n\r\n');
          if (head < 0) return;
          let frames = buffer.subarray(head + 4);
          while (frames.length >= 2) {
            const opcode = frames[0]! & 0x0f;
            const length = frames[1]! & 0x7f;
            if (frames.length < 2 + length) return;
            if (opcode === 0x8) return resolve(frames.readUInt16BE(2));
            frames = frames.subarray(2 + length);
          }
        });
      });
      expect(code).toBe(CloseCode.idleTimeout);
      socket.destroy();
    } finally {
      await quick.close();
    }
  });

  it('drops a consumer that stops reading; the run goes on', async () => {
    const tight = await startServer(store, {
      maxBufferedBytes: 32 * 1024,
      launcher: createScriptedProducer({ deltas: 20_000, tasks: 8, deltasPerSecond: 1_000_000, maxDeltasPerAppend: 500 }),
    });
    try {
      const session = 'slow-reader';
      const token = await tight.token(session);
      const slow = await RawClient.connect(tight.wsUrl);
      slow.send({ type: 'subscribe', session, token, from: 0 });
      await slow.next((frame) => frame.type === 'subscribed');
      (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const writer = await RawClient.connect(tight.wsUrl);
      writer.send({ type: 'subscribe', session, token });
      writer.send({ type: 'publish', session, clientMsgId: 'b', event: { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Flood' } } });
      await writer.next((frame) => frame.type === 'ack');
      writer.close();
      await until(() => tight.server.websocket.size === 0, 20_000, 'the slow socket to be dropped');
      await until(() => runEnded(store, session, 'run-1'), 30_000, 'run end');
      const log = await readAll(store, session);
      expect(log.at(-1)?.event.type).toBe('run.completed');
      slow.terminate();
    } finally {
      await tight.close();
    }
  }, 60_000);
});

describe('SSE + POST fallback errors', () => {
  const post = (session: string, body: string, token?: string, headers: Record<string, string> = {}) =>
    fetch(`${env.url}/sessions/${session}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body,
    });

  it('maps errors to HTTP statuses and stores nothing', async () => {
    const session = 'post-errors';
    const token = await env.token(session);
    expect((await post(session, '{nope', token)).status).toBe(400);
    expect((await post(session, JSON.stringify({ type: 'ping' }), token)).status).toBe(400);
    const wrongSession = await post(session, JSON.stringify({ type: 'cancel', session: 'other', clientMsgId: 'c', runId: 'r' }), token);
    expect(wrongSession.status).toBe(400);
    expect(await wrongSession.json()).toMatchObject({ code: 'bad_frame', field: 'session' });
    expect((await post(session, JSON.stringify({ type: 'cancel', session, clientMsgId: 'c', runId: 'r' }))).status).toBe(401);
    expect((await post(session, 'x'.repeat(70 * 1024), token)).status).toBe(413);
    expect((await post(session, JSON.stringify({ type: 'cancel', session, clientMsgId: 'c', runId: 'r' }), token)).status).toBe(404);
    const foreign = await post(session, JSON.stringify({ type: 'cancel', session, clientMsgId: 'c', runId: 'r' }), token, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await store.head(session)).offset).toBe(0);
    const ok = await post(session, JSON.stringify({ type: 'publish', session, clientMsgId: 'p', event: { type: 'card.created', cardId: 'c', title: 'ok' } }), token);
    expect(ok.status).toBe(200);
    const again = await post(session, JSON.stringify({ type: 'publish', session, clientMsgId: 'p', event: { type: 'card.created', cardId: 'c', title: 'ok' } }), token);
    expect(await again.json()).toMatchObject({ type: 'ack', duplicate: true, offset: 1 });
  });

  it('rate-limits POSTs per user and session with 429', async () => {
    const limited = await startServer(store, { rateLimit: { messagesPerSecond: 1, burst: 2 } });
    try {
      const session = 'post-rate';
      const token = await limited.token(session);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${limited.url}/sessions/${session}/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: JSON.stringify({ type: 'publish', session, clientMsgId: `p${i}`, event: { type: 'card.created', cardId: `c${i}`, title: 'ok' } }),
        });
        statuses.push(response.status);
      }
      expect(statuses).toContain(429);
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
    } finally {
      await limited.close();
    }
  });
});
