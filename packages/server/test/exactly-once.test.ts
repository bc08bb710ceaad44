// Every client message is answered with its true outcome exactly once, even when its ack was
// lost: send the frame, wait until it is stored, drop the connection unread, let the run move
// on (end, cancel the task, pass the review), then retry the same clientMsgId elsewhere.
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultTeam, type ClientFrame, type ServerFrame, type SessionRecord } from '@marketing-team/core';
import { MemoryStore } from '../src/stores/memory-store.js';
import { RedisStore } from '../src/stores/redis-store.js';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import type { SessionStore } from '../src/stores/session-store.js';
import { createTeamRuntime } from '../src/runtime/team-runtime.js';
import { createControlledProvider, type ControlledProvider } from '../src/runtime/testing/index.js';
import { RawClient, readAll, startServer, tempDir, until } from './_harness.js';

type Transport = 'websocket' | 'sse+post';
type Ack = Extract<ServerFrame, { type: 'ack' }>;

/** What a test needs of one message type: how to bring the session to it, and what happens after. */
interface Scenario {
  name: string;
  reviewGates?: string[];
  /** Held skill: the run waits there until the scenario lets it go. */
  hold?: string;
  /** Waits until the session is ready for the message; returns the frame to send. */
  prepare(ctx: Context): Promise<ClientFrame>;
  /** Moves the run past the point where the message mattered (ends it, cancels the task, ...). */
  after(ctx: Context): Promise<void>;
  /** The event the message stored. */
  stored: string;
}

interface Context {
  session: string;
  runId: string;
  provider: ControlledProvider;
  store: SessionStore;
  send(frame: ClientFrame): Promise<Ack | ServerFrame>;
  log(): Promise<SessionRecord[]>;
  waitFor(test: (record: SessionRecord) => boolean, what: string): Promise<SessionRecord>;
}

const brief = (runId: string, reviewGates: string[] = []) => ({
  type: 'brief.submitted',
  runId,
  brief: { goal: 'Launch the spring collection to weekend hikers', reviewGates },
});

const taskOf = async (ctx: Context, skill: string) => {
  const started = await ctx.waitFor((record) => record.event.type === 'run.started', 'run.started');
  const task = started.event.type === 'run.started' ? started.event.tasks.find((candidate) => candidate.skill === skill) : undefined;
  if (!task) throw new Error(`no ${skill} task`);
  return task.id;
};

const runEnd = (ctx: Context) =>
  ctx.waitFor((record) => ['run.completed', 'run.cancelled', 'run.failed'].includes(record.event.type), 'the run to end');

const cancelRun = (ctx: Context) =>
  ctx.send({ type: 'cancel', session: ctx.session, clientMsgId: `stop-${randomUUID()}`, runId: ctx.runId });

const scenarios: Scenario[] = [
  {
    name: 'a brief',
    stored: 'brief.submitted',
    prepare: async (ctx) => ({ type: 'publish', session: ctx.session, clientMsgId: 'brief-1', event: brief(ctx.runId) }),
    after: async (ctx) => void (await runEnd(ctx)),
  },
  {
    name: 'a steer, retried after the run ended',
    hold: 'research-brief',
    stored: 'steer.submitted',
    prepare: async (ctx) => {
      await ctx.provider.waitForCall('research-brief');
      return { type: 'steer', session: ctx.session, clientMsgId: 'steer-1', runId: ctx.runId, instruction: 'Mention the trail map' };
    },
    after: async (ctx) => {
      await cancelRun(ctx);
      await runEnd(ctx);
    },
  },
  {
    name: 'a whole-run cancel, retried after it took effect',
    hold: 'research-brief',
    stored: 'cancel.requested',
    prepare: async (ctx) => {
      await ctx.provider.waitForCall('research-brief');
      return { type: 'cancel', session: ctx.session, clientMsgId: 'cancel-1', runId: ctx.runId, reason: 'wrong brief' };
    },
    after: async (ctx) => void (await ctx.waitFor((record) => record.event.type === 'run.cancelled', 'run.cancelled')),
  },
  {
    name: 'a task cancel, retried after the task was cancelled',
    hold: 'research-brief',
    stored: 'cancel.requested',
    prepare: async (ctx) => {
      await ctx.provider.waitForCall('research-brief');
      const taskId = await taskOf(ctx, 'research-brief');
      return { type: 'cancel', session: ctx.session, clientMsgId: 'cancel-task-1', runId: ctx.runId, scope: { taskId } };
    },
    after: async (ctx) => {
      await ctx.waitFor((record) => record.event.type === 'task.cancelled', 'task.cancelled');
      await runEnd(ctx);
    },
  },
  ...(['review.approved', 'review.changes_requested'] as const).map(
    (type): Scenario => ({
      name: `a ${type === 'review.approved' ? 'review approval' : 'change request'}, retried after the review moved on`,
      reviewGates: ['campaign-strategy'],
      stored: type,
      prepare: async (ctx) => {
        const requested = await ctx.waitFor((record) => record.event.type === 'review.requested', 'review.requested');
        const taskId = requested.event.type === 'review.requested' ? requested.event.taskId : '';
        const event = type === 'review.approved' ? { type, runId: ctx.runId, taskId } : { type, runId: ctx.runId, taskId, comment: 'Name the price' };
        return { type: 'publish', session: ctx.session, clientMsgId: `${type}-1`, event };
      },
      after: async (ctx) => {
        if (type === 'review.changes_requested') {
          // The task is written again and comes back for review: approve that one, then the run ends.
          await until(async () => (await ctx.log()).filter((record) => record.event.type === 'review.requested').length === 2, 20_000, 'second review');
          const again = (await ctx.log()).filter((record) => record.event.type === 'review.requested')[1]!;
          const taskId = again.event.type === 'review.requested' ? again.event.taskId : '';
          await ctx.send({ type: 'publish', session: ctx.session, clientMsgId: 'approve-2', event: { type: 'review.approved', runId: ctx.runId, taskId } });
        }
        await runEnd(ctx);
      },
    }),
  ),
];

function describeRetries(storeName: string, open: () => Promise<{ store: SessionStore; close(): Promise<void> }>) {
  describe(`retried client messages on ${storeName}`, () => {
    let store: SessionStore;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ store, close } = await open());
    });

    afterAll(async () => {
      await close?.();
    });

    for (const transport of ['websocket', 'sse+post'] as Transport[]) {
      for (const scenario of scenarios) {
        it(`${scenario.name} (${transport})`, async () => {
          const session = `retry-${randomUUID().slice(0, 8)}`;
          const runId = 'run-1';
          // A server and model of its own, so held calls and call counts belong to this test.
          const provider = createControlledProvider();
          const env = await startServer(store, { launcher: createTeamRuntime({ team: createDefaultTeam(), provider, coalesceMs: 0 }) });
          if (scenario.hold) provider.hold(scenario.hold);
          const token = await env.token(session);
          const post = async (frame: ClientFrame) => {
            const response = await fetch(`${env.url}/sessions/${session}/messages?token=${token}`, { method: 'POST', body: JSON.stringify(frame) });
            return (await response.json()) as Ack | ServerFrame;
          };
          let socket = await RawClient.connect(env.wsUrl);
          socket.send({ type: 'subscribe', session, token });
          await socket.next((frame) => frame.type === 'subscribed');
          const viaSocket = async (frame: ClientFrame) => {
            socket.send(frame);
            return socket.next((answer) => (answer.type === 'ack' || answer.type === 'error') && (answer as { clientMsgId?: string }).clientMsgId === (frame as { clientMsgId: string }).clientMsgId);
          };
          const ctx: Context = {
            session,
            runId,
            provider,
            store,
            send: transport === 'websocket' ? viaSocket : post,
            log: () => readAll(store, session),
            async waitFor(test, what) {
              let found: SessionRecord | undefined;
              await until(async () => Boolean((found = (await readAll(store, session)).find(test))), 20_000, what);
              return found!;
            },
          };
          try {
            if (scenario.name !== 'a brief') {
              expect((await ctx.send({ type: 'publish', session, clientMsgId: 'brief-1', event: brief(runId, scenario.reviewGates) })).type).toBe('ack');
            }
            const frame = await scenario.prepare(ctx);
            const clientMsgId = (frame as { clientMsgId: string }).clientMsgId;
            // The first attempt is stored, but its answer never reaches the client.
            if (transport === 'websocket') {
              socket.send(frame);
              await until(async () => (await store.findClientMessage(session, clientMsgId)) !== undefined, 20_000, 'the message to be stored');
              socket.socket.terminate();
              socket = await RawClient.connect(env.wsUrl);
              socket.send({ type: 'subscribe', session, token, from: 0 });
              await socket.next((answer) => answer.type === 'subscribed');
            } else {
              const lost = new AbortController();
              void fetch(`${env.url}/sessions/${session}/messages?token=${token}`, { method: 'POST', body: JSON.stringify(frame), signal: lost.signal }).catch(() => undefined);
              await until(async () => (await store.findClientMessage(session, clientMsgId)) !== undefined, 20_000, 'the message to be stored');
              lost.abort();
            }
            const stored = await store.findClientMessage(session, clientMsgId);
            if (scenario.hold) provider.unhold(scenario.hold);
            await scenario.after(ctx);

            const retry = await ctx.send(frame);
            expect(retry).toEqual({ type: 'ack', session, clientMsgId, offset: stored!.firstOffset, duplicate: true });
            const log = await ctx.log();
            expect(log.filter((record) => record.offset === stored!.firstOffset)[0]?.event.type).toBe(scenario.stored);
            const copies = log.filter((record) => record.event.type === scenario.stored && JSON.stringify(record.event) === JSON.stringify(log.find((r) => r.offset === stored!.firstOffset)!.event));
            expect(copies).toHaveLength(1);
          } finally {
            socket.close();
            if (scenario.hold) provider.unhold(scenario.hold);
            await env.close();
          }
        });
      }
    }
  });
}

describeRetries('memory', async () => {
  const store = new MemoryStore();
  return { store, close: () => store.close() };
});

describeRetries('SQLite', async () => {
  const dir = tempDir();
  const store = new SqliteStore({ path: join(dir.path, 'sessions.db') });
  return {
    store,
    close: async () => {
      await store.close();
      dir.cleanup();
    },
  };
});

describeRetries('Redis', async () => {
  const store = new RedisStore({ keyPrefix: `mt-retry-${randomUUID().slice(0, 8)}:` });
  return { store, close: () => store.close() };
});
