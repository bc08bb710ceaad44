import { createServer as createTcpServer, connect as tcpConnect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { SessionClient, applyRecords, createSessionState } from '@marketing-team/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord, ServerFrame } from '@marketing-team/core';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import { createScriptedProducer, scriptedDeltaText } from '../src/runtime/scripted-producer.js';
import { Follower, RawClient, deltaText, random, readAll, readEventStream, startServer, tempDir, until, type RunningServer } from './_harness.js';
import { findMessage } from '@marketing-team/core';

const DELTAS = 10_000;
const SEEDS = [1, 2, 3, 4, 5, 6];
const expectedText = Array.from({ length: DELTAS }, (_, index) => scriptedDeltaText(0, index)).join('');

let dir: ReturnType<typeof tempDir>;
let store: SqliteStore;
let env: RunningServer;

beforeAll(async () => {
  dir = tempDir();
  store = new SqliteStore({ path: join(dir.path, 'sessions.db'), synchronous: 'normal' });
  env = await startServer(store, { launcher: createScriptedProducer({ deltas: DELTAS, deltasPerSecond: 25_000 }) });
});

afterAll(async () => {
  await env?.close();
  await store?.close();
  dir?.cleanup();
});

function dropPoints(seed: number): number[] {
  const next = random(seed);
  const count = 4 + Math.floor(next() * 6);
  return Array.from({ length: count }, () => 1 + Math.floor(next() * (DELTAS + 4))).sort((a, b) => a - b);
}

function ended(follower: Follower, runId: string): boolean {
  const status = follower.state.runs[runId]?.status;
  return status === 'completed' || status === 'failed' || status === 'cancelled' || status === 'interrupted';
}

async function expectExactLog(follower: Follower, session: string, runId: string): Promise<void> {
  expect(follower.problems).toEqual([]);
  const log = await readAll(store, session);
  expect(follower.records.map((record) => record.offset)).toEqual(log.map((record) => record.offset));
  expect(follower.records).toEqual(log);
  expect(deltaText(follower.records)).toBe(expectedText);
  expect(follower.state.runs[runId]?.status).toBe('completed');
  const server = await env.server.hub.snapshot(session);
  expect(JSON.stringify(follower.state)).toBe(JSON.stringify(server.state));
}

/** Follows a session over WebSocket, dropping the socket at the given offsets and resuming. */
async function followOverWebSocket(session: string, runId: string, drops: number[]): Promise<Follower> {
  const follower = new Follower();
  const token = await env.token(session);
  let submitted = false;
  let dropped = 0;
  while (!ended(follower, runId)) {
    const client = await RawClient.connect(env.wsUrl);
    const outcome = await new Promise<'dropped' | 'ended'>((resolve) => {
      let live = true;
      client.onFrame = (frame: ServerFrame) => {
        if (!live) return;
        follower.onFrame(frame);
        if (dropped < drops.length && follower.offset >= drops[dropped]!) {
          // A network drop: the socket dies with frames possibly still in flight.
          live = false;
          dropped += 1;
          client.terminate();
          resolve('dropped');
        } else if (ended(follower, runId)) {
          live = false;
          resolve('ended');
        }
      };
      client.send({ type: 'subscribe', session, token, from: follower.offset, ...(follower.epoch ? { epoch: follower.epoch } : {}) });
      if (!submitted) {
        submitted = true;
        client.send({ type: 'publish', session, clientMsgId: `brief-${runId}`, event: { type: 'brief.submitted', runId, brief: { goal: 'Resume test' } } });
      }
    });
    if (outcome === 'ended') client.close();
  }
  expect(dropped).toBe(drops.length);
  return follower;
}

/** The same over the SSE fallback, resuming with Last-Event-ID. */
async function followOverEventStream(session: string, runId: string, drops: number[]): Promise<Follower> {
  const follower = new Follower();
  const token = await env.token(session);
  let dropped = 0;
  let submitted = false;
  while (!ended(follower, runId)) {
    const abort = new AbortController();
    const reading = readEventStream(
      `${env.url}/sessions/${session}/events`,
      { token, lastEventId: follower.offset, signal: abort.signal },
      (event) => {
        if (abort.signal.aborted) return;
        if (event.event === 'message') follower.applyBatch([JSON.parse(event.data) as SessionRecord]);
        else if (event.event === 'snapshot' || event.event === 'subscribed') follower.onFrame(JSON.parse(event.data) as ServerFrame);
        if (dropped < drops.length && follower.offset >= drops[dropped]!) {
          dropped += 1;
          abort.abort();
        } else if (ended(follower, runId)) {
          abort.abort();
        }
      },
    );
    if (!submitted) {
      submitted = true;
      const response = await fetch(`${env.url}/sessions/${session}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'publish', session, clientMsgId: `brief-${runId}`, event: { type: 'brief.submitted', runId, brief: { goal: 'Resume test over SSE' } } }),
      });
      expect(response.status).toBe(200);
    }
    await reading;
  }
  expect(dropped).toBe(drops.length);
  return follower;
}

describe('resume after dropped connections during a 10,000-delta stream', () => {
  it('WebSocket: every client ends with exactly the producer sequence, for many seeds', async () => {
    const followers = await Promise.all(
      SEEDS.map((seed) => followOverWebSocket(`ws-resume-${seed}`, `run-${seed}`, dropPoints(seed)).then((follower) => ({ seed, follower }))),
    );
    for (const { seed, follower } of followers) await expectExactLog(follower, `ws-resume-${seed}`, `run-${seed}`);
  });

  it('SSE fallback: every client ends with exactly the producer sequence, for many seeds', async () => {
    const followers = await Promise.all(
      SEEDS.map((seed) => followOverEventStream(`sse-resume-${seed}`, `run-${seed}`, dropPoints(seed + 100)).then((follower) => ({ seed, follower }))),
    );
    for (const { seed, follower } of followers) await expectExactLog(follower, `sse-resume-${seed}`, `run-${seed}`);
  });

  it('core SessionClient through a proxy cut at random points: exact sequence, identical state', async () => {
    // A TCP proxy stands in for the network; cutting it is a real connection loss for both ends.
    const sockets = new Set<Socket>();
    const proxy = createTcpServer((downstream) => {
      const upstream = tcpConnect(Number(new URL(env.wsUrl).port), '127.0.0.1');
      for (const socket of [downstream, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      downstream.pipe(upstream).pipe(downstream);
      downstream.on('close', () => upstream.destroy());
      upstream.on('close', () => downstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = `ws://127.0.0.1:${(proxy.address() as AddressInfo).port}/ws`;
    const clients: SessionClient[] = [];
    try {
      await Promise.all(
        [11, 12, 13].map(async (seed) => {
          const session = `client-resume-${seed}`;
          const client = new SessionClient({ url, WebSocket, backoff: { initialMs: 5, maxMs: 50, jitter: 1 } });
          clients.push(client);
          const handle = client.session(session, { token: await env.token(session) });
          const problems: string[] = [];
          let last = 0;
          handle.subscribe(() => {
            if (handle.offset < last) problems.push(`offset went back from ${last} to ${handle.offset}`);
            last = handle.offset;
            const text = findMessage(handle.getState(), 'msg-0')?.text ?? '';
            if (!expectedText.startsWith(text)) problems.push('a message holds text that was never written');
          });
          const { runId } = await handle.submitBrief({ goal: 'Resume through a proxy' });
          for (const point of dropPoints(seed)) {
            await until(() => handle.offset >= point || handle.getState().runs[runId]?.status === 'completed', 30_000, `offset ${point}`);
            for (const socket of sockets) socket.destroy();
          }
          await until(() => handle.getState().runs[runId]?.status === 'completed', 30_000, 'run completed');
          const log = await readAll(store, session);
          expect(problems).toEqual([]);
          expect(findMessage(handle.getState(), 'msg-0')?.text).toBe(expectedText);
          expect(JSON.stringify(handle.getState())).toBe(JSON.stringify(applyRecords(createSessionState(), log)));
        }),
      );
    } finally {
      for (const client of clients) client.close();
      proxy.close();
      for (const socket of sockets) socket.destroy();
    }
  });

  it('a resume after the run ended replays only what was missed', async () => {
    const session = 'ws-resume-1';
    const log = await readAll(store, session);
    const client = await RawClient.connect(env.wsUrl);
    const follower = new Follower();
    follower.state = { ...follower.state, offset: log.length - 5 };
    client.onFrame = (frame) => follower.onFrame(frame);
    client.send({ type: 'subscribe', session, token: await env.token(session), from: log.length - 5 });
    await until(() => follower.offset === log.length, 10_000, 'the tail');
    expect(follower.records).toEqual(log.slice(-5));
    client.close();
  });
});
