import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@marketing-team/core';
import { createMarketingTeamServer, createNodeListener } from '../src/http/index.js';
import { MemoryStore } from '../src/stores/memory-store.js';
import { ORIGIN, RawClient, SECRET, readEventStream, startServer, type RunningServer } from './_harness.js';

let store: MemoryStore;
let env: RunningServer;

beforeAll(async () => {
  store = new MemoryStore();
  env = await startServer(store, {
    basePath: '/mt',
    tokenRoute: {
      authorize: (request, session) =>
        request.headers.get('x-host-user') === 'alice' ? { userId: 'alice', capabilities: session.startsWith('ro-') ? ['read'] : undefined } : null,
    },
    routes: { '/streams': (_request, path) => new Response(`streams ${path}`) },
  });
});

afterAll(async () => {
  await env?.close();
  await store?.close();
});

describe('the fetch handler mounted under a base path', () => {
  it('serves health, 404s outside the base path and mounts extra routes', async () => {
    expect(env.url.endsWith('/mt')).toBe(true);
    expect(await (await fetch(`${env.url}/health`)).json()).toMatchObject({ ok: true, protocol: PROTOCOL_VERSION });
    expect((await fetch(env.url.replace('/mt', '/health'))).status).toBe(404);
    expect(await (await fetch(`${env.url}/streams/a/b`)).text()).toBe('streams /a/b');
    env.server.route('/extra', () => new Response('extra'));
    expect(await (await fetch(`${env.url}/extra`)).text()).toBe('extra');
    expect((await fetch(`${env.url}/nope`)).status).toBe(404);
  });

  it('mints tokens through the opt-in route only for callers the host authorises', async () => {
    const refused = await fetch(`${env.url}/tokens`, { method: 'POST', body: JSON.stringify({ session: 's1' }) });
    expect(refused.status).toBe(401);
    const bad = await fetch(`${env.url}/tokens`, { method: 'POST', headers: { 'x-host-user': 'alice' }, body: JSON.stringify({ session: 'no spaces' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'bad_frame', field: 'session' });
    const huge = await fetch(`${env.url}/tokens`, { method: 'POST', headers: { 'x-host-user': 'alice' }, body: 'x'.repeat(100 * 1024) });
    expect(huge.status).toBe(413);
    expect((await fetch(`${env.url}/sessions/%E0%A4%A/events`)).status).toBe(400);
    const minted = await fetch(`${env.url}/tokens`, { method: 'POST', headers: { 'x-host-user': 'alice' }, body: JSON.stringify({ session: 'ro-1' }) });
    const { token } = (await minted.json()) as { token: string };
    expect(await env.server.tokens.verify(token, 'ro-1')).toMatchObject({ userId: 'alice', capabilities: ['read'] });
  });

  it('answers CORS preflights for allowed origins and refuses others', async () => {
    const ok = await fetch(`${env.url}/sessions/s1/messages`, { method: 'OPTIONS', headers: { origin: ORIGIN } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    const foreign = await fetch(`${env.url}/sessions/s1/messages`, { method: 'OPTIONS', headers: { origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves the WebSocket under the base path', async () => {
    expect(env.wsUrl.endsWith('/mt/ws')).toBe(true);
    const client = await RawClient.connect(env.wsUrl);
    client.send({ type: 'ping', t: 1 });
    expect(await client.next((frame) => frame.type === 'pong')).toEqual({ type: 'pong', t: 1 });
    client.close();
  });

  it('streams the SSE fallback: subscribed, snapshot, then one event per record with its offset as id', async () => {
    const token = await env.token('sse-1');
    const abort = new AbortController();
    const events: Array<{ event: string; id?: string; data: string }> = [];
    const reading = readEventStream(`${env.url}/sessions/sse-1/events`, { token, signal: abort.signal }, (event) => {
      events.push(event);
      if (events.filter((e) => e.event === 'message').length === 2) abort.abort();
    });
    while (!events.some((event) => event.event === 'snapshot')) await new Promise((resolve) => setTimeout(resolve, 5));
    for (const title of ['one', 'two']) {
      const response = await fetch(`${env.url}/sessions/sse-1/messages?token=${token}`, {
        method: 'POST',
        body: JSON.stringify({ type: 'publish', session: 'sse-1', clientMsgId: title, event: { type: 'card.created', cardId: title, title } }),
      });
      expect(response.status).toBe(200);
    }
    await reading;
    expect(events.map((event) => event.event).filter((name) => name !== 'presence')).toEqual(['subscribed', 'snapshot', 'message', 'message']);
    const records = events.filter((event) => event.event === 'message');
    expect(records.map((event) => event.id)).toEqual(['1', '2']);
    expect(JSON.parse(records[1]!.data)).toMatchObject({ offset: 2, event: { type: 'card.created', cardId: 'two' } });
  });

  it('takes attention by POST for the device whose stream is open, validated like any frame, and shows it in presence', async () => {
    const session = 'sse-attention';
    const token = await env.token(session, ['read', 'presence']);
    const post = (body: unknown, clientId = 'laptop-1') =>
      fetch(`${env.url}/sessions/${session}/messages?clientId=${clientId}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const attention = { type: 'attention', device: 'desktop', focused: true, visible: true };
    // No stream of this device is open yet: nothing to attach the attention to.
    const early = await post(attention);
    expect(early.status).toBe(404);
    expect(await early.json()).toMatchObject({ type: 'error', code: 'not_found', field: 'clientId' });
    const abort = new AbortController();
    const events: Array<{ event: string; data: string }> = [];
    const reading = readEventStream(`${env.url}/sessions/${session}/events?clientId=laptop-1`, { token, signal: abort.signal }, (event) => events.push(event));
    while (!events.some((event) => event.event === 'subscribed')) await new Promise((resolve) => setTimeout(resolve, 5));
    const accepted = await post(attention);
    expect(accepted.status).toBe(204);
    const refused = await post({ ...attention, device: '' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ type: 'error', code: 'bad_frame', field: 'device' });
    // The stream's own presence shows the device as it said it is used.
    const shown = () =>
      events
        .filter((event) => event.event === 'presence' || event.event === 'presence.changed')
        .flatMap((event) => {
          const frame = JSON.parse(event.data) as { viewers?: Array<Record<string, unknown>>; joined?: Array<Record<string, unknown>> };
          return frame.viewers ?? frame.joined ?? [];
        })
        .some((viewer) => viewer.clientId === 'laptop-1' && viewer.device === 'desktop' && viewer.focused === true);
    while (!shown()) await new Promise((resolve) => setTimeout(resolve, 5));
    abort.abort();
    await reading;
  });
});

describe('the Node adapter', () => {
  it('answers a request whose Host cannot form a URL with 400 and keeps serving', async () => {
    const { port, hostname } = new URL(env.url);
    for (const extra of ['', 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n']) {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), hostname);
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
        socket.write(`GET /mt/ws HTTP/1.1\r\nHost: [bad\r\n${extra}\r\n`);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
    }
    expect((await fetch(`${env.url}/health`)).status).toBe(200);
  });

  it('accepts a body a framework already parsed', async () => {
    const server = createMarketingTeamServer({ store, tokens: { secret: SECRET }, allowedOrigins: '*', onError: () => undefined });
    const token = await server.tokens.mint({ session: 'parsed', userId: 'u', capabilities: ['write'], ttlSeconds: 60 });
    const listener = createNodeListener(server);
    const http = createServer((req, res) => {
      // What express.json() leaves behind: the stream consumed, the parsed body on req.body.
      req.resume();
      req.on('end', () => {
        Object.assign(req, { body: { type: 'publish', session: 'parsed', clientMsgId: 'm1', event: { type: 'card.created', cardId: 'c', title: 'Parsed' } } });
        listener(req, res);
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/sessions/parsed/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"ignored": true}',
      });
      expect(await response.json()).toMatchObject({ type: 'ack', clientMsgId: 'm1', offset: 1 });
    } finally {
      await server.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });

  it('validates its options and names the field', () => {
    expect(() => createMarketingTeamServer({ store, tokens: { secret: SECRET }, allowedOrigins: '*', basePath: 'no slash' })).toThrow(/options\.basePath/);
    expect(() => createMarketingTeamServer({ store, tokens: { secret: SECRET }, allowedOrigins: '*', maxFrameBytes: 1 })).toThrow(/options\.maxFrameBytes/);
  });
});
