// A Durable Streams client we did not write (@durable-streams/client) reads a live session log
// through our endpoint while the scripted producer appends to it; the connection is dropped
// mid-stream (by the reader, then by the server), the reader resumes from its offset, and what
// it ends with is exactly the stored log: nothing lost, nothing twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stream, type JsonBatch } from '@durable-streams/client';
import type { SessionRecord } from '@marketing-team/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTokenIssuer } from '../src/auth/index.js';
import { createDurableStreamsHandler, formatStreamOffset, parseStreamOffset } from '../src/durable-streams/index.js';
import { createScriptedProducer } from '../src/runtime/scripted-producer.js';
import { createMarketingTeamServer, createNodeListener } from '../src/http/index.js';
import { MemoryStore, type SessionStore } from '../src/stores/index.js';
import { SqliteStore } from '../src/stores/sqlite-store.js';

const issuer = createTokenIssuer({ secret: 'durable-streams-client-test-secret-0123456789' });

interface Fixture {
  store: SessionStore;
  server: Server;
  baseUrl: string;
}

async function startServer(store: SessionStore): Promise<Fixture> {
  const handler = createDurableStreamsHandler({ store, basePath: '/mt/streams', tokens: issuer, longPollTimeoutMs: 1_000 });
  const server = createServer(createNodeListener({ fetch: async (request) => (await handler(request)) ?? new Response('not found', { status: 404 }) }));
  // Outlive the client's idle sockets, so a reused keep-alive socket is never closed under a request.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { store, server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mt/streams` };
}

/** Starts a scripted run in `session` (a brief, then run.started ... run.completed); `done` settles at its end. */
async function startRun(store: SessionStore, session: string, deltas: number): Promise<{ done: Promise<void> }> {
  const [brief] = (
    await store.append(session, [
      { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Launch', channels: ['x'], deliverables: [], reviewGates: [] }, by: { kind: 'human', id: 'user-1' } },
    ])
  ).records;
  const producer = createScriptedProducer({ deltas, deltasPerSecond: 400, tasks: 2, maxDeltasPerAppend: 4 });
  const done = producer.launch({
    session,
    runId: 'run-1',
    brief: { goal: 'Launch', channels: ['x'], deliverables: [], reviewGates: [] },
    submittedBy: { kind: 'human', id: 'user-1' },
    briefOffset: brief!.offset,
    append: async (events) => (await store.append(session, events)).records,
    signal: new AbortController().signal,
    onControl: () => () => undefined,
  });
  return { done };
}

/**
 * Reads the session with the client from `offset` (SSE live mode), handing each batch to
 * `onBatch`; resolves when `until(records)` holds or the signal aborts the read.
 */
async function read(
  url: string,
  token: string,
  offset: string | undefined,
  signal: AbortSignal,
  onBatch: (batch: JsonBatch<SessionRecord>) => void,
  minConnectionDuration?: number,
): Promise<void> {
  const response = await stream<SessionRecord>({
    url,
    headers: { Authorization: `Bearer ${token}` },
    ...(offset !== undefined ? { offset } : {}),
    live: 'sse',
    signal,
    // The client counts SSE responses shorter than this as a misbehaving proxy.
    ...(minConnectionDuration !== undefined ? { sseResilience: { minConnectionDuration } } : {}),
  });
  await new Promise<void>((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true });
    response.subscribeJson(async (batch) => onBatch(batch));
    void response.closed.then(resolve, resolve);
  });
}

const backends: { name: string; open: (directory: string) => SessionStore }[] = [
  { name: 'memory store', open: () => new MemoryStore() },
  { name: 'SQLite store', open: (directory) => new SqliteStore({ path: join(directory, 'sessions.db') }) },
];

for (const backend of backends) {
  describe(`@durable-streams/client reads a live session (${backend.name})`, () => {
    let directory: string;
    let fixture: Fixture;

    beforeAll(async () => {
      directory = mkdtempSync(join(tmpdir(), 'mt-ds-client-'));
      fixture = await startServer(backend.open(directory));
    });

    afterAll(async () => {
      fixture.server.closeAllConnections();
      await new Promise<void>((resolve) => fixture.server.close(() => resolve()));
      await fixture.store.close();
      rmSync(directory, { recursive: true, force: true });
    });

    test('the reader drops the connection mid-run, resumes from its offset and ends with exactly the stored log', async () => {
      const session = 'client-drop';
      const token = await issuer.mint({ session, userId: 'user-1', capabilities: ['read'], ttlSeconds: 600 });
      const url = `${fixture.baseUrl}/sessions/${session}`;
      const run = (await startRun(fixture.store, session, 60)).done;

      // First connection: take some live records, then hang up mid-stream.
      const received: SessionRecord[] = [];
      let savedOffset: string | undefined;
      const first = new AbortController();
      await read(url, token, undefined, first.signal, (batch) => {
        if (first.signal.aborted) return;
        received.push(...batch.items);
        savedOffset = batch.offset;
        if (received.length >= 20) first.abort();
      });
      expect(received.length).toBeGreaterThanOrEqual(20);
      expect(parseStreamOffset(savedOffset!)).toBe(received.at(-1)!.offset);

      // Second connection: resume from the saved offset until the run has completed and the
      // reader holds the whole log.
      await run;
      const head = (await fixture.store.head(session)).offset;
      expect(received.at(-1)!.offset).toBeLessThan(head);
      const second = new AbortController();
      await read(url, token, savedOffset, second.signal, (batch) => {
        received.push(...batch.items);
        if (received.at(-1)?.offset === head) second.abort();
      });

      expect(received).toEqual(await fixture.store.read(session, 0));
      expect(received.at(-1)!.event.type).toBe('run.completed');
    });

    test('the server cuts every socket mid-run; the reader resumes from the last offset it was given', async () => {
      const session = 'server-drop';
      const token = await issuer.mint({ session, userId: 'user-1', capabilities: ['read'], ttlSeconds: 600 });
      const url = `${fixture.baseUrl}/sessions/${session}`;
      const run = (await startRun(fixture.store, session, 80)).done;

      // Records carry their own offset, so a batch the client hands over twice (data whose
      // control event was cut off) is recognised; `applied` is what a reader would show.
      const applied: SessionRecord[] = [];
      let offset: string | undefined;
      let drops = 0;
      while (applied.at(-1)?.event.type !== 'run.completed') {
        const reader = new AbortController();
        await read(url, token, offset, reader.signal, (batch) => {
          for (const record of batch.items) if (record.offset > (applied.at(-1)?.offset ?? 0)) applied.push(record);
          offset = batch.offset;
          if (drops < 2 && applied.length >= 15 * (drops + 1)) {
            drops += 1;
            // Cut every open socket under the reader.
            fixture.server.closeAllConnections();
          }
          if (applied.at(-1)?.event.type === 'run.completed') reader.abort();
        });
      }
      await run;

      expect(drops).toBe(2);
      expect(applied).toEqual(await fixture.store.read(session, 0));
    });

    test('the server ends SSE responses early; the client reconnects from its offset by itself', async () => {
      const session = 'server-rotates';
      const token = await issuer.mint({ session, userId: 'user-1', capabilities: ['read'], ttlSeconds: 600 });
      // A second endpoint over the same store whose SSE responses last 150 ms (the protocol
      // lets servers end them at any time; readers reconnect from the last control offset).
      const handler = createDurableStreamsHandler({ store: fixture.store, tokens: issuer, sseMaxDurationMs: 150, longPollTimeoutMs: 100 });
      const server = createServer(createNodeListener({ fetch: async (request) => (await handler(request)) ?? new Response('not found', { status: 404 }) }));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      let connections = 0;
      server.on('request', () => (connections += 1));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sessions/${session}`;
        const run = (await startRun(fixture.store, session, 200)).done;
        const received: SessionRecord[] = [];
        const reader = new AbortController();
        await read(
          url,
          token,
          undefined,
          reader.signal,
          (batch) => {
            received.push(...batch.items);
            if (received.at(-1)?.event.type === 'run.completed') reader.abort();
          },
          50,
        );
        await run;
        expect(connections).toBeGreaterThan(1);
        expect(received).toEqual(await fixture.store.read(session, 0));
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    test('mounted in the session server, a session brief is read back through the protocol', async () => {
      const session = 'mounted';
      const app = createMarketingTeamServer({ store: fixture.store, tokens: issuer, allowedOrigins: [], basePath: '/mt' });
      const streams = createDurableStreamsHandler({ store: fixture.store, tokens: app.tokens, basePath: `${app.basePath}/streams` });
      app.route('/streams', async (request) => (await streams(request)) ?? new Response('not found', { status: 404 }));
      const server = createServer(createNodeListener(app));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const run = (await startRun(fixture.store, session, 10)).done;
        await run;
        const token = await app.tokens.mint({ session, userId: 'user-1', capabilities: ['read'], ttlSeconds: 60 });
        const response = await stream<SessionRecord>({
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mt/streams/sessions/${session}`,
          headers: { Authorization: `Bearer ${token}` },
          live: false,
        });
        expect(await response.json()).toEqual(await fixture.store.read(session, 0));
      } finally {
        await app.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    test('reading a session needs a token for that session', async () => {
      const url = `${fixture.baseUrl}/sessions/client-drop`;
      expect((await fetch(url)).status).toBe(401);
      const other = await issuer.mint({ session: 'another', userId: 'user-1', capabilities: ['read'], ttlSeconds: 60 });
      expect((await fetch(url, { headers: { Authorization: `Bearer ${other}` } })).status).toBe(403);
      const token = await issuer.mint({ session: 'client-drop', userId: 'user-1', capabilities: ['read'], ttlSeconds: 60 });
      const post = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: '{"type":"cancel.requested"}',
      });
      // Session logs are read-only here: cancel and steer stay explicit session messages.
      expect(post.status).toBe(405);
      const head = await fetch(url, { method: 'HEAD', headers: { Authorization: `Bearer ${token}` } });
      expect(head.status).toBe(200);
      expect(parseStreamOffset(head.headers.get('Stream-Next-Offset')!)).toBe((await fixture.store.head('client-drop')).offset);
    });
  });
}
