import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stream } from '@durable-streams/client';
import type { ServerFrameOf, SessionRecord } from '@marketing-team/core';
import { createTokenIssuer } from '../src/auth/token-issuer.js';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import { Follower, RawClient, SECRET, readAll, readEventStream, tempDir, until } from './_harness.js';
import { spawnReady } from './_node-spawn.js';

const tokens = createTokenIssuer({ secret: SECRET });
let dir: ReturnType<typeof tempDir>;
const children = new Set<ChildProcess>();

beforeAll(() => {
  dir = tempDir();
});

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  dir?.cleanup();
});

async function startChild(database: string): Promise<{ child: ChildProcess; url: string }> {
  const { child, port } = await spawnReady('_server-process.ts', [database], { MT_DELTAS: '4000', MT_RATE: '4000' }, children);
  return { child, url: `ws://127.0.0.1:${port}/ws` };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  children.delete(child);
}

describe('restart', () => {
  it('a SIGKILLed server restarted on the same file loses no acknowledged event; clients resume', async () => {
    const database = join(dir.path, 'sessions.db');
    const session = 'restart-1';
    const token = await tokens.mint({ session, userId: 'user-1', capabilities: ['read', 'write', 'control'], ttlSeconds: 600 });
    const follower = new Follower();
    const acks = new Map<string, number>();

    // First life: a run streams while the client publishes cards, then the process is killed.
    const first = await startChild(database);
    const client = await RawClient.connect(first.url);
    client.onFrame = (frame) => {
      follower.onFrame(frame);
      if (frame.type === 'ack') acks.set(frame.clientMsgId, frame.offset);
    };
    client.send({ type: 'subscribe', session, token, from: 0 });
    client.send({ type: 'publish', session, clientMsgId: 'brief-1', event: { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Survive' } } });
    let card = 0;
    const publisher = setInterval(() => {
      card += 1;
      client.send({ type: 'publish', session, clientMsgId: `card-${card}`, event: { type: 'card.created', cardId: `card-${card}`, title: `Card ${card}` } });
    }, 5);
    await until(() => follower.offset >= 1500, 20_000, 'offset 1500');
    await kill(first.child);
    clearInterval(publisher);
    await client.closed;
    expect(acks.size).toBeGreaterThan(1);

    // Second life on the same file: the client resumes from its offset.
    const second = await startChild(database);
    const resumed = await RawClient.connect(second.url);
    resumed.onFrame = (frame) => follower.onFrame(frame);
    resumed.send({ type: 'subscribe', session, token, from: follower.offset, epoch: follower.epoch });
    await resumed.next((frame) => frame.type === 'subscribed');
    // The run the dead process owned is recorded as interrupted, not left running forever.
    await until(() => follower.state.runs['run-1']?.status === 'interrupted', 20_000, 'run-1 interrupted');
    // A retried brief is recognised as already applied.
    resumed.send({ type: 'publish', session, clientMsgId: 'brief-1', event: { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Survive' } } });
    const retry = await resumed.next<ServerFrameOf<'ack'>>((frame) => frame.type === 'ack' && frame.clientMsgId === 'brief-1');
    expect(retry).toMatchObject({ duplicate: true, offset: acks.get('brief-1') });
    // The restarted server runs new briefs.
    resumed.send({ type: 'publish', session, clientMsgId: 'brief-2', event: { type: 'brief.submitted', runId: 'run-2', brief: { goal: 'Again' } } });
    await until(() => follower.state.runs['run-2']?.status === 'completed', 20_000, 'run-2 completed');
    resumed.close();
    await kill(second.child);

    const store = new SqliteStore({ path: database });
    try {
      const log = await readAll(store, session);
      expect(follower.problems).toEqual([]);
      expect(follower.records).toEqual(log);
      for (const [clientMsgId, offset] of acks) {
        const record = log[offset - 1];
        expect(record?.offset).toBe(offset);
        if (clientMsgId.startsWith('card-')) expect(record?.event).toMatchObject({ type: 'card.created', cardId: clientMsgId });
      }
    } finally {
      await store.close();
    }
  }, 60_000);

  it('SSE and Durable Streams readers attached at the SIGKILL resume on the restarted server with exactly the stored log', async () => {
    const database = join(dir.path, 'readers.db');
    const session = 'readers-1';
    const token = await tokens.mint({ session, userId: 'user-1', capabilities: ['read', 'write', 'control'], ttlSeconds: 600 });
    const sse: SessionRecord[] = [];
    const streamed: SessionRecord[] = [];
    let streamOffset: string | undefined;
    const readSse = (base: string, signal: AbortSignal) =>
      readEventStream(`${base}/sessions/${session}/events`, { token, signal, ...(sse.length ? { lastEventId: sse.at(-1)!.offset } : {}) }, (event) => {
        if (event.event === 'message') sse.push(JSON.parse(event.data) as SessionRecord);
      }).catch(() => undefined);
    const readStreams = async (base: string, signal: AbortSignal) => {
      try {
        const response = await stream<SessionRecord>({
          url: `${base}/streams/sessions/${session}`,
          headers: { Authorization: `Bearer ${token}` },
          ...(streamOffset !== undefined ? { offset: streamOffset } : {}),
          live: 'sse',
          signal,
        });
        await new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => resolve(), { once: true });
          response.subscribeJson(async (batch) => {
            streamed.push(...batch.items);
            streamOffset = batch.offset;
          });
          void response.closed.then(resolve, resolve);
        });
      } catch {
        // The server died under the reader; it reconnects from its offset below.
      }
    };

    const first = await startChild(database);
    const firstBase = first.url.replace(/^ws/, 'http').replace(/\/ws$/, '');
    const firstReads = new AbortController();
    const readers = [readSse(firstBase, firstReads.signal), readStreams(firstBase, firstReads.signal)];
    const client = await RawClient.connect(first.url);
    client.send({ type: 'subscribe', session, token, from: 0 });
    client.send({ type: 'publish', session, clientMsgId: 'brief-1', event: { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Readers' } } });
    await until(() => sse.length > 200 && streamed.length > 200, 20_000, 'both readers to stream');
    await kill(first.child);
    // Both readers see their connection end with the process; neither hangs.
    await Promise.all(readers);
    firstReads.abort();

    const second = await startChild(database);
    const secondBase = second.url.replace(/^ws/, 'http').replace(/\/ws$/, '');
    const secondReads = new AbortController();
    const resumed = [readSse(secondBase, secondReads.signal), readStreams(secondBase, secondReads.signal)];
    const reader = new SqliteStore({ path: database });
    try {
      await until(async () => (await readAll(reader, session)).some((record) => record.event.type === 'run.interrupted'), 20_000, 'run.interrupted');
      const log = await readAll(reader, session);
      await until(() => sse.at(-1)?.offset === log.length && streamed.at(-1)?.offset === log.length, 20_000, 'both readers to catch up');
      expect(sse).toEqual(log);
      expect(streamed).toEqual(log);
    } finally {
      secondReads.abort();
      await Promise.all(resumed);
      await reader.close();
      await kill(second.child);
    }
  }, 60_000);

  it('a run killed with its server is recorded as interrupted at restart, with nobody opening its session', async () => {
    const database = join(dir.path, 'unwatched.db');
    const session = 'unwatched-1';
    const token = await tokens.mint({ session, userId: 'user-1', capabilities: ['read', 'write', 'control'], ttlSeconds: 600 });
    const first = await startChild(database);
    const client = await RawClient.connect(first.url);
    const follower = new Follower();
    client.onFrame = (frame) => follower.onFrame(frame);
    client.send({ type: 'subscribe', session, token, from: 0 });
    client.send({ type: 'publish', session, clientMsgId: 'brief-1', event: { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Crash' } } });
    await until(() => follower.records.some((record) => record.event.type === 'text.delta'), 20_000, 'first delta');
    await kill(first.child);
    await client.closed;

    // Second life: no client connects; a reader of the file alone must see the truth.
    const second = await startChild(database);
    const reader = new SqliteStore({ path: database });
    try {
      await until(async () => (await readAll(reader, session)).some((record) => record.event.type === 'run.interrupted'), 20_000, 'run.interrupted');
      const log = await readAll(reader, session);
      expect(log.filter((record) => record.event.type === 'run.interrupted')).toHaveLength(1);
      expect(log.at(-1)?.event).toMatchObject({ type: 'run.interrupted', runId: 'run-1', reason: expect.stringMatching(/restart/) });
      expect(await reader.openRuns()).toEqual([]);
    } finally {
      await reader.close();
      await kill(second.child);
    }
  }, 60_000);
});
