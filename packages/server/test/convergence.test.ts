import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Capability, ServerFrame, SessionEvent } from '@marketing-team/core';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import { createScriptedProducer } from '../src/runtime/scripted-producer.js';
import { Follower, RawClient, readAll, startServer, tempDir, until, type RunningServer } from './_harness.js';

let dir: ReturnType<typeof tempDir>;
let store: SqliteStore;
let env: RunningServer;

beforeAll(async () => {
  dir = tempDir();
  store = new SqliteStore({ path: join(dir.path, 'sessions.db'), synchronous: 'normal' });
  env = await startServer(store, {
    launcher: createScriptedProducer({ deltas: 3000, deltasPerSecond: 6000, tasks: 2 }),
    snapshotEvery: 500,
  });
});

afterAll(async () => {
  await env?.close();
  await store?.close();
  dir?.cleanup();
});

interface Watcher {
  client: RawClient;
  follower: Follower;
}

async function watch(session: string, from: number | undefined, capabilities: Capability[] = ['read', 'write', 'control']): Promise<Watcher> {
  const client = await RawClient.connect(env.wsUrl);
  const follower = new Follower();
  client.onFrame = (frame) => follower.onFrame(frame);
  client.send({ type: 'subscribe', session, token: await env.token(session, capabilities), ...(from !== undefined ? { from } : {}) });
  await client.next((frame) => frame.type === 'subscribed');
  return { client, follower };
}

async function converge(session: string, count: number): Promise<void> {
  const runId = 'run-1';
  // Half join before the run, the rest at staggered points while it streams (snapshot + tail).
  const early = await Promise.all(Array.from({ length: Math.ceil(count / 2) }, () => watch(session, 0)));
  early[0]!.client.send({ type: 'publish', session, clientMsgId: 'brief-1', event: { type: 'brief.submitted', runId, brief: { goal: 'Converge' } } });
  const late: Watcher[] = [];
  for (let i = 0; i < Math.floor(count / 2); i++) {
    const target = 500 + i * 700;
    await until(() => early[0]!.follower.offset >= target, 20_000, `offset ${target}`);
    late.push(await watch(session, undefined));
  }
  const all = [...early, ...late];
  await until(async () => (await store.head(session)).offset > 0 && all.every((w) => w.follower.state.runs[runId]?.status === 'completed'), 30_000, 'completion');
  const server = await env.server.hub.snapshot(session);
  const expected = JSON.stringify(server.state);
  for (const watcher of all) {
    expect(watcher.follower.problems).toEqual([]);
    expect(JSON.stringify(watcher.follower.state)).toBe(expected);
  }
  // Late joiners started from a snapshot, so they received far fewer records than the log holds.
  const log = await readAll(store, session);
  for (const watcher of late) {
    expect(watcher.client.frames.some((frame) => frame.type === 'snapshot')).toBe(true);
    expect(watcher.follower.records.length).toBeLessThan(log.length);
  }
  for (const watcher of all) watcher.client.close();
}

describe('several clients on one session', () => {
  it('two clients converge on byte-identical state', async () => {
    await converge('converge-2', 2);
  });

  it('ten clients, half of them late joiners, converge on byte-identical state', async () => {
    await converge('converge-10', 10);
  });

  it('presence lists the watching clients beside the log, never in it, to tokens with presence only', async () => {
    const session = 'presence-1';
    // Who watches, as a client keeps it: the first list, then joins and leaves.
    const viewers = (frames: ServerFrame[]): string[] => {
      let list: string[] = [];
      for (const frame of frames) {
        if (frame.type === 'presence') list = frame.viewers.map((viewer) => viewer.clientId);
        else if (frame.type === 'presence.changed') {
          const gone = new Set([...frame.left, ...frame.joined].map((viewer) => viewer.clientId));
          list = [...list.filter((id) => !gone.has(id)), ...frame.joined.map((viewer) => viewer.clientId)];
        }
      }
      return list.sort();
    };
    const a = await watch(session, undefined, ['read', 'presence']);
    const b = await watch(session, undefined, ['read', 'presence']);
    const reader = await watch(session, undefined, ['read']);
    await until(() => viewers(a.client.frames).length === 3 && viewers(b.client.frames).length === 3, 20_000, 'both to see three viewers');
    b.client.close();
    await until(() => viewers(a.client.frames).length === 2, 20_000, 'a to see b leave');
    expect(reader.client.frames.some((frame) => frame.type.startsWith('presence'))).toBe(false);
    expect((await store.head(session)).offset).toBe(0);
    a.client.close();
    reader.client.close();
  });
});

describe('late joiners', () => {
  async function fill(session: string, deltas: number, textPerDelta: string): Promise<void> {
    const base = { runId: 'run-1', taskId: 'task-1', agent: 'content-creator' };
    await store.append(session, [
      { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Fill', channels: [], deliverables: [], reviewGates: [] }, by: { kind: 'system' } } as SessionEvent,
      { type: 'run.started', runId: 'run-1', tasks: [{ id: 'task-1', title: 'Write', skill: 'social-posts', agent: 'content-creator', dependsOn: [], review: false }], model: { provider: 'scripted', name: 'x', offline: true } },
      { type: 'task.started', ...base },
      { type: 'message.started', ...base, messageId: 'm1', offline: true },
    ]);
    for (let done = 0; done < deltas; done += 1000) {
      const events: SessionEvent[] = [];
      for (let i = done; i < Math.min(deltas, done + 1000); i++) events.push({ type: 'text.delta', ...base, messageId: 'm1', text: textPerDelta });
      await store.append(session, events);
    }
  }

  async function joinBytes(session: string): Promise<number> {
    const { client, follower } = await watch(session, undefined);
    await until(() => follower.offset > 0, 20_000, 'snapshot');
    const bytes = client.bytes;
    client.close();
    return bytes;
  }

  it('a join of a 100,000-delta session costs about the same bytes as a 1,000-delta one', async () => {
    // Same text in both sessions, in 100 times as many deltas in the second.
    await fill('join-small', 1000, 'x'.repeat(100));
    await fill('join-large', 100_000, 'x');
    const small = await joinBytes('join-small');
    const large = await joinBytes('join-large');
    expect(large).toBeLessThan(small * 1.2);
    // A replay of the large session from the start would cost far more.
    const { client, follower } = await watch('join-large', 0);
    await until(() => follower.offset >= 100_004, 60_000, 'replay');
    expect(client.bytes).toBeGreaterThan(large * 20);
    console.info(`join bytes: 1,000 deltas ${small}, 100,000 deltas ${large}; full replay of the latter ${client.bytes}`);
    client.close();
  });
});
