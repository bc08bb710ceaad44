import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord, ServerFrame } from '@marketing-team/core';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import { createScriptedProducer, scriptedDeltaText } from '../src/runtime/scripted-producer.js';
import { Follower, RawClient, deltaText, random, readAll, readEventStream, startServer, tempDir, until, type RunningServer } from './_harness.js';

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
        if (ended(follower, runId)) {
          live = false;
          resolve('ended');
        } else if (dropped < drops.length && follower.offset >= drops[dropped]!) {
          // A network drop: the socket dies with frames possibly still in flight.
          live = false;
          dropped += 1;
          client.terminate();
          resolve('dropped');
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
        if (ended(follower, runId) || (dropped < drops.length && follower.offset >= drops[dropped]!)) {
          if (!ended(follower, runId)) dropped += 1;
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
