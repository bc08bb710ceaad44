import { createServer as createTcpServer, connect as tcpConnect, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  SessionClient,
  applyRecords,
  createSessionState,
  type ConnectionStatus,
  type SessionClientOptions,
  type SessionHandle,
  type SessionState,
} from '@marketing-team/core';
import { createScriptedProducer, scriptedDeltaText } from '../src/runtime/index.js';
import { MemoryStore } from '../src/stores/index.js';
import { random, readAll, startServer, until, type RunningServer } from './_harness.js';
import { findMessage, listMessages } from '@marketing-team/core';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serve(options: Parameters<typeof startServer>[1] = {}): Promise<{ running: RunningServer; store: MemoryStore }> {
  const store = new MemoryStore();
  const running = await startServer(store, options);
  cleanups.push(() => running.close());
  return { running, store };
}

function connect(url: string, options: Partial<SessionClientOptions> = {}): SessionClient {
  const client = new SessionClient({ url, WebSocket, backoff: { initialMs: 20, maxMs: 200, jitter: 1 }, ...options });
  cleanups.push(() => client.close());
  return client;
}

/** The state a client must hold: the whole stored log through the reducer. */
async function logState(store: MemoryStore, session: string): Promise<SessionState> {
  return applyRecords(createSessionState(), await readAll(store, session));
}

function runStatus(handle: SessionHandle, runId: string): string | undefined {
  return handle.getState().runs[runId]?.status;
}

/**
 * Collects problems if the offset ever goes back or a streaming message holds text that is not a
 * prefix of what the producer writes (a duplicate or a gap). Listeners may also be called when
 * only capabilities or the epoch changed, so an unchanged state is not a problem.
 */
function watchStreams(handle: SessionHandle, expected: (messageId: string) => string): string[] {
  const problems: string[] = [];
  let last = handle.getState();
  handle.subscribe(() => {
    const state = handle.getState();
    if (state.offset < last.offset) problems.push(`offset went back from ${last.offset} to ${state.offset}`);
    last = state;
    for (const message of listMessages(state)) {
      if (message.status === 'streaming' && !expected(message.id).startsWith(message.text)) {
        problems.push(`message ${message.id} holds text that was never written`);
      }
    }
  });
  return problems;
}

/** Full text of the scripted producer's message `msg-<task>` after `deltas` deltas. */
function scriptedText(messageId: string, deltas: number): string {
  const task = Number(messageId.replace('msg-', ''));
  let text = '';
  for (let index = 0; index < deltas; index += 1) text += scriptedDeltaText(task, index);
  return text;
}

describe('SessionClient against the real server', () => {
  it('streams a brief to completion; a late joiner gets a snapshot and the same state', async () => {
    const deltas = 150;
    const { running, store } = await serve({ launcher: createScriptedProducer({ deltas, deltasPerSecond: 3_000, tasks: 2 }), snapshotEvery: 50 });
    const client = connect(running.wsUrl);
    const handle = client.session('launch', { getToken: (session) => running.token(session) });
    const problems = watchStreams(handle, (id) => scriptedText(id, deltas));

    const { runId, offset } = await handle.submitBrief({ goal: 'Launch the spring collection' });
    expect(offset).toBeGreaterThan(0);
    await until(() => runStatus(handle, runId) === 'completed', 20_000, 'run completed');
    expect(problems).toEqual([]);
    expect(handle.capabilities).toEqual(['read', 'write', 'control']);
    expect(findMessage(handle.getState(), 'msg-1')!.text).toBe(scriptedText('msg-1', deltas));
    expect(JSON.stringify(handle.getState())).toBe(JSON.stringify(await logState(store, 'launch')));

    const late = connect(running.wsUrl).session('launch', { token: await running.token('launch', ['read']) });
    await until(() => late.offset === handle.offset, 10_000, 'late joiner caught up');
    expect(JSON.stringify(late.getState())).toBe(JSON.stringify(handle.getState()));
    expect(late.capabilities).toEqual(['read']);
  });

  it('resumes from its offset after the server drops every connection mid-stream; the run goes on', async () => {
    const deltas = 300;
    const { running, store } = await serve({ launcher: createScriptedProducer({ deltas, deltasPerSecond: 1_000 }) });
    const client = connect(running.wsUrl);
    const statuses: ConnectionStatus[] = [];
    client.subscribeConnection(() => statuses.push(client.getConnection().status));
    const handle = client.session('drops', { token: await running.token('drops') });
    const problems = watchStreams(handle, (id) => scriptedText(id, deltas));

    const { runId } = await handle.submitBrief({ goal: 'Grow the newsletter' });
    for (const length of [40, 120]) {
      await until(() => (findMessage(handle.getState(), 'msg-0')?.text.length ?? 0) > length * 4, 20_000, 'some text');
      expect(runStatus(handle, runId)).toBe('running');
      running.server.websocket.closeAll(4004, 'test drop');
      await until(() => client.getConnection().status === 'live' && client.getConnection().lastResume !== undefined, 10_000, 'resumed');
    }
    await until(() => runStatus(handle, runId) === 'completed', 20_000, 'run completed');
    expect(statuses.filter((status) => status === 'reconnecting')).toHaveLength(2);
    expect(client.getConnection().lastResume).toMatchObject({ caughtUp: expect.any(Number), at: expect.any(Number) });
    expect(problems).toEqual([]);
    expect(JSON.stringify(handle.getState())).toBe(JSON.stringify(await logState(store, 'drops')));
  });

  it('keeps two sessions on one socket exact through random drops', async () => {
    const deltas = 400;
    const { running, store } = await serve({ launcher: createScriptedProducer({ deltas, deltasPerSecond: 2_000 }) });
    const client = connect(running.wsUrl);
    const sessions = ['left', 'right'];
    const handles = sessions.map((session) => client.session(session, { getToken: (id) => running.token(id) }));
    const problems = handles.flatMap((handle) => watchStreams(handle, (id) => scriptedText(id, deltas)));
    const runs = await Promise.all(handles.map((handle, index) => handle.submitBrief({ goal: `Campaign ${index}` })));
    const next = random(7);
    for (let drop = 0; drop < 5; drop += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10 + next() * 40));
      running.server.websocket.closeAll(4004, 'test drop');
    }
    await until(() => handles.every((handle, index) => runStatus(handle, runs[index]!.runId) === 'completed'), 20_000, 'both runs completed');
    expect(problems).toEqual([]);
    for (const [index, handle] of handles.entries()) {
      expect(JSON.stringify(handle.getState())).toBe(JSON.stringify(await logState(store, sessions[index]!)));
    }
  });

  it('queues messages while disconnected, re-sends unacknowledged ones with the same id, and stores each once', async () => {
    const { running, store } = await serve();
    const client = connect(running.wsUrl);
    const handle = client.session('queue', { token: await running.token('queue') });
    await until(() => handle.epoch !== undefined, 10_000, 'subscribed');

    // Sent, then the connection is cut before the ack can arrive (or just after the server stored it).
    const inFlight = handle.submitBrief({ goal: 'In flight' });
    running.server.websocket.closeAll(4004, 'test drop');
    // Made while the client is reconnecting: queued, sent after the subscription is back.
    const queued = [handle.submitBrief({ goal: 'Queued one' }), handle.submitBrief({ goal: 'Queued two' })];
    expect(client.getConnection().queued).toBe(3);
    const results = await Promise.all([inFlight, ...queued]);
    expect(client.getConnection().queued).toBe(0);

    const briefs = (await readAll(store, 'queue')).filter((record) => record.event.type === 'brief.submitted');
    expect(briefs.map((record) => (record.event as { runId: string }).runId).sort()).toEqual(results.map((result) => result.runId).sort());
    expect(briefs.map((record) => record.offset).sort()).toEqual(results.map((result) => result.offset).sort());
    await until(() => handle.offset === briefs.at(-1)!.offset, 10_000, 'briefs applied');
    expect(Object.keys(handle.getState().runs).sort()).toEqual(results.map((result) => result.runId).sort());
  });

  it('cancels a running run; partial output stays and the state matches the log', async () => {
    const { running, store } = await serve({ launcher: createScriptedProducer({ deltas: 5_000, deltasPerSecond: 400 }) });
    const client = connect(running.wsUrl);
    const handle = client.session('cancel', { token: await running.token('cancel') });
    const { runId } = await handle.submitBrief({ goal: 'Something long' });
    await until(() => (findMessage(handle.getState(), 'msg-0')?.text.length ?? 0) > 0, 20_000, 'first tokens');

    const ack = await handle.cancel(runId, undefined, 'enough');
    expect(ack.duplicate).toBe(false);
    await until(() => runStatus(handle, runId) === 'cancelled', 20_000, 'run cancelled');
    const message = findMessage(handle.getState(), 'msg-0')!;
    expect(message.status).toBe('cancelled');
    expect(message.text.length).toBeGreaterThan(0);
    expect(scriptedText('msg-0', 5_000).startsWith(message.text)).toBe(true);
    await until(async () => JSON.stringify(handle.getState()) === JSON.stringify(await logState(store, 'cancel')), 10_000, 'state equals the log');
  });

  it('rejects a write the token does not allow with a typed error', async () => {
    const { running } = await serve();
    const handle = connect(running.wsUrl).session('readonly', { token: await running.token('readonly', ['read']) });
    await expect(handle.submitBrief({ goal: 'Not allowed' })).rejects.toMatchObject({ name: 'SessionClientError', code: 'forbidden' });
    await expect(handle.cancel('some-run')).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refreshes its token before it expires and keeps the subscription', async () => {
    const { running } = await serve();
    let minted = 0;
    const handle = connect(running.wsUrl).session('refresh', {
      getToken: (session) => {
        minted += 1;
        return running.token(session, undefined, 'user-1', 3);
      },
    });
    await until(() => handle.epoch !== undefined, 10_000, 'subscribed');
    // Past the first token's expiry: the server would have dropped the subscription without a refresh.
    await until(() => minted >= 2, 10_000, 'a refresh');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const { offset } = await handle.publish({ type: 'card.created', cardId: 'c1', title: 'Check the venue' });
    await until(() => handle.offset >= offset, 5_000, 'card applied');
    expect(handle.getState().board.c1?.title).toBe('Check the venue');
    expect(handle.error).toBeUndefined();
    expect(minted).toBe(2);
  });

  it('detects a half-open connection with the heartbeat and reconnects', async () => {
    const { running } = await serve({ heartbeatMs: 200 });
    const proxy = await freezableProxy(Number(new URL(running.wsUrl).port));
    cleanups.push(() => proxy.close());
    const client = connect(running.wsUrl.replace(/:\d+\//, `:${proxy.port}/`));
    const handle = client.session('heartbeat', { token: await running.token('heartbeat') });
    await until(() => handle.epoch !== undefined, 10_000, 'subscribed');
    // Pings keep a quiet but healthy connection live.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(proxy.connections).toBe(1);

    proxy.freeze();
    const pending = handle.publish({ type: 'card.created', cardId: 'c1', title: 'After the freeze' });
    await until(() => proxy.connections === 2 && client.getConnection().status === 'live', 10_000, 'a new connection');
    await expect(pending).resolves.toMatchObject({ offset: 1 });
    await until(() => handle.getState().board.c1 !== undefined, 5_000, 'card applied');
  });

  it('close() leaves nothing open on the server', async () => {
    const { running } = await serve();
    const client = connect(running.wsUrl);
    const handle = client.session('bye', { token: await running.token('bye') });
    await until(() => handle.epoch !== undefined, 10_000, 'subscribed');
    expect(running.server.websocket.size).toBe(1);
    client.close();
    await until(() => running.server.websocket.size === 0, 5_000, 'socket closed');
    expect(client.getConnection().status).toBe('offline');
  });

  it('close() while the socket is still connecting raises nothing', async () => {
    // A server that accepts TCP but never answers the upgrade keeps the socket in CONNECTING.
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      const client = new SessionClient({ url: `ws://127.0.0.1:${port}/ws`, WebSocket });
      client.session('early', { token: 'not-sent-yet' });
      await until(() => sockets.length === 1, 5_000, 'tcp connection');
      client.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).toEqual([]);
      expect(client.getConnection().status).toBe('offline');
    } finally {
      process.off('uncaughtException', record);
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

/** A TCP proxy that can stop forwarding without closing anything: a half-open connection, as after a network change. */
async function freezableProxy(targetPort: number): Promise<{ port: number; connections: number; freeze(): void; close(): Promise<void> }> {
  const pairs: Array<[Socket, Socket]> = [];
  let connections = 0;
  const server: TcpServer = createTcpServer((client) => {
    connections += 1;
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    freeze() {
      for (const [client, upstream] of pairs.splice(0)) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        // Keep the sockets open but silent; they are destroyed when the proxy closes.
        cleanups.push(() => {
          client.destroy();
          upstream.destroy();
        });
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
