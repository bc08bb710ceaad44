// Fault tests on loopback: a proxy cuts every connection after 100–800 ms and splits writes,
// tokens expire and refresh meanwhile, and a long session resumes over a slow link whose
// connections live shorter than a full replay. Bounded in count and time, so they run in CI.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SessionClient, applyRecords, createSessionState, type MessageAck, type SessionEvent } from '@marketing-team/core';
import { createScriptedProducer } from '../src/runtime/index.js';
import { MemoryStore } from '../src/stores/memory-store.js';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import type { SessionStore } from '../src/stores/session-store.js';
import { startFaultProxy, type FaultProxy } from './_fault-proxy.js';
import { readAll, startServer, tempDir, until, type RunningServer } from './_harness.js';
import { findMessage } from '@marketing-team/core';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function through(store: SessionStore, options: Parameters<typeof startServer>[1], seed: number): Promise<{ running: RunningServer; proxy: FaultProxy; url: string }> {
  const running = await startServer(store, options);
  cleanups.push(() => running.close());
  const port = Number(new URL(running.wsUrl).port);
  const proxy = await startFaultProxy(port, seed);
  cleanups.push(() => proxy.close());
  return { running, proxy, url: `ws://127.0.0.1:${proxy.port}${new URL(running.wsUrl).pathname}` };
}

function client(url: string): SessionClient {
  const sessions = new SessionClient({ url, WebSocket, backoff: { initialMs: 10, maxMs: 150, jitter: 1 }, pongTimeoutMs: 1_000 });
  cleanups.push(() => sessions.close());
  return sessions;
}

describe('exactly-once answers under connection cuts', () => {
  for (const seed of [1, 2]) {
    it(`every write is answered once with the offset it was stored at (seed ${seed})`, async () => {
      const dir = tempDir();
      const store = new SqliteStore({ path: join(dir.path, 'sessions.db'), synchronous: 'normal' });
      cleanups.push(() => dir.cleanup());
      cleanups.push(() => store.close());
      const { running, proxy, url } = await through(store, { launcher: createScriptedProducer({ deltas: 3000, deltasPerSecond: 1000, tasks: 3 }) }, seed);
      const session = `faults-${seed}`;
      const sessions = client(url);
      // Short-lived tokens, so refreshes happen while connections are being cut.
      let minted = 0;
      const handle = sessions.session(session, {
        getToken: (id) => {
          minted += 1;
          return running.token(id, ['read', 'write', 'control'], 'user-1', 2);
        },
      });
      proxy.set({ cutAfterMs: [100, 800], splitBytes: 700 });
      proxy.cutAll();

      const { runId } = await handle.submitBrief({ goal: 'Hold under faults' });
      await until(() => handle.getState().runs[runId]?.status === 'running', 20_000, 'the run to start');
      const writes: Array<{ kind: string; id: string; answer: Promise<MessageAck> }> = [];
      for (let index = 0; index < 50; index += 1) {
        const cardId = `card-${index}`;
        writes.push({ kind: 'card.created', id: cardId, answer: handle.publish({ type: 'card.created', cardId, title: `Card ${index}` }) });
        if (index % 10 === 5) writes.push({ kind: 'steer.submitted', id: `steer-${index}`, answer: handle.steer(runId, `Mention point ${index}`) });
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      // Outlive a few two-second tokens, so refreshes happen while connections are being cut.
      await until(() => minted >= 3, 20_000, 'tokens to be refreshed');
      writes.push({ kind: 'cancel.requested', id: 'task-2', answer: handle.cancel(runId, { taskId: 'task-2' }) });
      const answers = await Promise.all(writes.map((write) => write.answer));
      const cancel = await handle.cancel(runId, undefined, 'enough');
      await until(() => ['cancelled', 'completed'].includes(handle.getState().runs[runId]?.status ?? ''), 30_000, 'the run to end');
      await until(async () => handle.offset === (await store.head(session)).offset, 30_000, 'the client to catch up');

      const log = await readAll(store, session);
      for (const [index, ack] of [...answers, cancel].entries()) {
        const stored = await store.findClientMessage(session, ack.clientMsgId);
        expect(stored?.firstOffset, `write ${index}`).toBe(ack.offset);
        const event = log[ack.offset - 1]!.event as SessionEvent & { cardId?: string };
        expect(event.type).toBe(writes[index]?.kind ?? 'cancel.requested');
        if (event.type === 'card.created') expect(event.cardId).toBe(writes[index]!.id);
      }
      for (let index = 0; index < 50; index += 1) {
        expect(log.filter((record) => record.event.type === 'card.created' && record.event.cardId === `card-${index}`)).toHaveLength(1);
      }
      expect(JSON.stringify(handle.getState())).toBe(JSON.stringify(applyRecords(createSessionState(), log)));
      expect(proxy.cuts).toBeGreaterThanOrEqual(3);
    }, 90_000);
  }
});

describe('resume over a slow link that keeps cutting', () => {
  it('catches up 100,000 events though no connection lives long enough for a full replay', async () => {
    const store = new MemoryStore();
    cleanups.push(() => store.close());
    const { proxy, running, url } = await through(store, {}, 3);
    const session = 'long-resume';
    const sessions = client(url);
    const handle = sessions.session(session, { token: await running.token(session, ['read'], 'user-1', 600) });
    await store.append(session, [{ type: 'message.started', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', offline: true }]);
    await until(() => handle.offset === 1, 20_000, 'the first event');

    // The server is out of reach while the log grows by 100,000 events.
    proxy.set({ refuse: true });
    proxy.cutAll();
    await until(() => sessions.getConnection().status !== 'live', 10_000, 'the connection to drop');
    const total = 100_000;
    for (let batch = 0; batch < total / 1000; batch += 1) {
      const events: SessionEvent[] = Array.from({ length: 1000 }, (_, index) => ({
        type: 'text.delta',
        runId: 'r1',
        taskId: 't1',
        agent: 'content-creator',
        messageId: 'm1',
        text: `${(batch * 1000 + index).toString(36)} `,
      }));
      await store.append(session, events);
    }
    // Back, at about 4 MB/s, and every connection is cut within 300–800 ms.
    const cutsBefore = proxy.cuts;
    proxy.set({ cutAfterMs: [300, 800], bytesPerSecond: 4_000_000 });
    await until(() => handle.offset === total + 1, 90_000, 'the client to catch up');
    expect(proxy.cuts - cutsBefore).toBeGreaterThanOrEqual(2);
    const log = await readAll(store, session);
    expect(findMessage(handle.getState(), 'm1')?.text).toBe(findMessage(applyRecords(createSessionState(), log), 'm1')?.text);
  }, 120_000);
});
