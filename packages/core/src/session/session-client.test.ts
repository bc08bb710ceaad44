import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerFrame } from '../protocol/index.js';
import { SessionClientError } from './client-errors.js';
import { applyRecords, createSessionState } from './reducer.js';
import { SessionClient, type SessionClientOptions } from './session-client.js';
import { loadWireSchemas } from './_wire.js';
import { FakeSocket, events, record, records, subscribed, welcome } from './testing/fake-socket.js';
import { findMessage, listMessages } from '../protocol/index.js';

const latest = (): FakeSocket => FakeSocket.latest();

// These tests drive the WebSocket path; `auto`'s fallback is tested against a real server.
function client(options: Partial<SessionClientOptions> = {}): SessionClient {
  return new SessionClient({ url: 'ws://example.test/mt/ws', WebSocket: FakeSocket, random: () => 0.5, transport: 'websocket', ...options });
}

/** Opens the latest socket and completes the handshake. */
function connect(socket = latest(), heartbeatMs?: number): FakeSocket {
  socket.open();
  socket.deliver(welcome(heartbeatMs));
  return socket;
}

// A client validates frames with schemas it loads lazily: these tests deliver frames synchronously
// once they are here (`wire-schemas-load.test.ts` covers the frames that arrive before).
beforeAll(() => loadWireSchemas());
beforeEach(() => {
  FakeSocket.instances = [];
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SessionClient: handshake, snapshot and events', () => {
  it('says hello, subscribes without `from` on a first join, and reduces snapshot + events', async () => {
    const sessions = client({ clientId: 'device-1' });
    const handle = sessions.session('s1', { token: 'tok' });
    const socket = latest();
    expect(socket.url).toBe('ws://example.test/mt/ws');
    socket.open();
    expect(socket.sent).toEqual([{ type: 'hello', protocol: 1, clientId: 'device-1' }]);
    socket.deliver(welcome());
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.framesOf('subscribe')).toEqual([{ type: 'subscribe', session: 's1', token: 'tok' }]);
    expect(sessions.getConnection().status).toBe('live');

    const listener = vi.fn();
    handle.subscribe(listener);
    socket.deliver(subscribed('s1', 'e1', 3));
    expect(handle.capabilities).toEqual(['read', 'write', 'control']);
    expect(handle.epoch).toBe('e1');
    const snapshotState = applyRecords(createSessionState(), records(1, 2));
    socket.deliver({ type: 'snapshot', session: 's1', epoch: 'e1', offset: 2, state: snapshotState });
    expect(handle.offset).toBe(2);
    const before = handle.getState();
    expect(handle.getState()).toBe(before);
    listener.mockClear();
    socket.deliver(events('s1', [record(3, 'Hel'), record(4, 'lo')]));
    expect(listener).toHaveBeenCalledTimes(1);
    expect(handle.getState()).not.toBe(before);
    expect(findMessage(handle.getState(), 'm1')!.text).toBe('Hello');
    expect(JSON.stringify(handle.getState())).toBe(JSON.stringify(applyRecords(createSessionState(), [...records(1, 2), record(3, 'Hel'), record(4, 'lo')])));
    sessions.close();
  });

  it('tells history from news: caughtUp once the head named at the first subscribe is applied, however many chunks it takes', async () => {
    const sessions = client({ backoff: { initialMs: 100, maxMs: 1_000, jitter: 0 } });
    const handle = sessions.session('s1', { token: 't' });
    let socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(handle.historyHead).toBeUndefined();
    expect(handle.caughtUp).toBe(false);
    socket.deliver(subscribed('s1', 'e1', 5));
    expect(handle.historyHead).toBe(5);
    socket.deliver(events('s1', records(1, 2)));
    expect(handle.caughtUp).toBe(false);
    socket.deliver(events('s1', records(3, 5)));
    expect(handle.caughtUp).toBe(true);
    socket.deliver(events('s1', records(6, 6)));
    // A reconnect catches up on news; it finds no new history.
    socket.drop();
    await vi.advanceTimersByTimeAsync(100);
    socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver(subscribed('s1', 'e1', 9));
    expect(handle.historyHead).toBe(5);
    expect(handle.caughtUp).toBe(true);
    sessions.close();
  });

  it('keeps the state at the history head apart, even when the last of the history and news arrive in one batch', async () => {
    const sessions = client({ backoff: { initialMs: 100, maxMs: 1_000, jitter: 0 } });
    const handle = sessions.session('s1', { token: 't' });
    const socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver(subscribed('s1', 'e1', 3));
    socket.deliver(events('s1', records(1, 2)));
    expect(handle.historyState).toBeUndefined();
    socket.deliver(events('s1', records(3, 6)));
    expect(handle.historyState?.offset).toBe(3);
    expect(JSON.stringify(handle.historyState)).toBe(JSON.stringify(applyRecords(createSessionState(), records(1, 3))));
    expect(handle.getState().offset).toBe(6);
    // A fresh session: its history is the empty state it subscribed with.
    const fresh = sessions.session('s2', { token: 't' });
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver(subscribed('s2', 'e1', 0));
    socket.deliver(events('s2', records(1, 2)));
    expect(fresh.historyState?.offset).toBe(0);
    expect(fresh.getState().offset).toBe(2);
    sessions.close();
  });

  it('carries several sessions on one socket', async () => {
    const sessions = client();
    const a = sessions.session('a', { token: 't' });
    const b = sessions.session('b', { token: 't' });
    const socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.framesOf('subscribe').map((frame) => frame.session)).toEqual(['a', 'b']);
    socket.deliver(subscribed('a'));
    socket.deliver(subscribed('b'));
    socket.deliver(events('b', records(1, 1)));
    expect(a.offset).toBe(0);
    expect(b.offset).toBe(1);
    expect(FakeSocket.instances).toHaveLength(1);
    sessions.close();
  });

  it('ignores duplicates, and re-subscribes from the applied offset after a gap', async () => {
    const sessions = client();
    const handle = sessions.session('s1', { token: 't' });
    const socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver(subscribed('s1'));
    socket.deliver(events('s1', records(1, 3)));
    const state = handle.getState();
    socket.deliver(events('s1', records(2, 3)));
    expect(handle.getState()).toBe(state);
    socket.deliver(events('s1', [record(4), record(6)]));
    expect(handle.offset).toBe(4);
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.framesOf('subscribe').at(-1)).toEqual({ type: 'subscribe', session: 's1', token: 't', from: 4, epoch: 'e1' });
    // While the re-subscribe is under way a further gap does not send another.
    socket.deliver(events('s1', [record(7)]));
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.framesOf('subscribe')).toHaveLength(2);
    socket.deliver(subscribed('s1', 'e1', 6));
    socket.deliver(events('s1', records(5, 6)));
    expect(handle.offset).toBe(6);
    sessions.close();
  });

  it('drops local state and takes the snapshot when the epoch changed (a reset log)', async () => {
    const sessions = client();
    const handle = sessions.session('s1', { token: 't' });
    let socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver(subscribed('s1', 'old'));
    socket.deliver(events('s1', records(1, 5), 'old'));
    expect(handle.offset).toBe(5);
    socket.drop();
    await vi.advanceTimersByTimeAsync(60_000);
    socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.framesOf('subscribe')[0]).toMatchObject({ from: 5, epoch: 'old' });
    socket.deliver(subscribed('s1', 'new', 2));
    expect(handle.offset).toBe(0);
    expect(handle.epoch).toBe('new');
    // Stale frames of the old epoch are not applied.
    socket.deliver(events('s1', records(6, 6), 'old'));
    expect(handle.offset).toBe(0);
    socket.deliver({ type: 'snapshot', session: 's1', epoch: 'new', offset: 2, state: applyRecords(createSessionState(), records(1, 2)) });
    expect(handle.offset).toBe(2);
    expect(listMessages(handle.getState()).map((message) => message.id)).toEqual(['m1']);
    sessions.close();
  });

  it('skips records of event types it does not know (from a newer server) and keeps going', async () => {
    const onError = vi.fn();
    const sessions = client({ onError });
    const handle = sessions.session('s1', { token: 't' });
    const socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver(subscribed('s1'));
    socket.deliver(JSON.stringify({ type: 'events', session: 's1', epoch: 'e1', batch: [record(1), { offset: 2, at: 5, event: { type: 'future.thing', x: 1 } }] }));
    socket.deliver(events('s1', [record(3)]));
    expect(onError).not.toHaveBeenCalled();
    expect(handle.offset).toBe(3);
    expect(Object.keys(handle.getState().runs)).toEqual(['r1']);
    // A known type with a broken body is still an invalid frame.
    socket.deliver(JSON.stringify({ type: 'events', session: 's1', epoch: 'e1', batch: [{ offset: 4, at: 5, event: { type: 'text.delta' } }] }));
    expect(onError).toHaveBeenCalledTimes(1);
    expect(handle.offset).toBe(3);
    sessions.close();
  });

  it('reports an invalid frame and does not apply it', async () => {
    const onError = vi.fn();
    const sessions = client({ onError });
    const handle = sessions.session('s1', { token: 't' });
    const socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver(subscribed('s1'));
    socket.deliver(JSON.stringify({ type: 'events', session: 's1', epoch: 'e1', batch: [{ offset: 1, at: 1, event: { type: 'text.delta' } }] }));
    socket.deliver('not json');
    expect(handle.offset).toBe(0);
    expect(onError).toHaveBeenCalledTimes(2);
    const error = onError.mock.calls[0]![0] as SessionClientError;
    expect(error).toBeInstanceOf(SessionClientError);
    expect(error.code).toBe('invalid_frame');
    expect(error.field).toMatch(/^batch\.0\.event/);
    expect(sessions.getConnection().error?.code).toBe('invalid_frame');
    sessions.close();
  });
});

describe('SessionClient: client messages', () => {
  it('queues a brief while offline, sends it once after subscribing, re-sends it unacked after a reconnect and settles once', async () => {
    const sessions = client();
    const handle = sessions.session('s1', { token: 't' });
    const result = handle.submitBrief({ goal: 'Spring launch' });
    expect(sessions.getConnection().queued).toBe(1);
    let socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.framesOf('publish')).toHaveLength(0);
    socket.deliver(subscribed('s1'));
    const [publish] = socket.framesOf('publish');
    expect(publish).toMatchObject({ session: 's1', event: { type: 'brief.submitted', brief: { goal: 'Spring launch' } } });
    expect(publish!.event).not.toHaveProperty('by');

    socket.drop();
    expect(sessions.getConnection()).toMatchObject({ status: 'reconnecting', attempt: 1, queued: 1 });
    await vi.advanceTimersByTimeAsync(60_000);
    socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.framesOf('publish')).toHaveLength(0);
    socket.deliver(subscribed('s1'));
    const resent = socket.framesOf('publish');
    expect(resent).toHaveLength(1);
    expect(resent[0]!.clientMsgId).toBe(publish!.clientMsgId);

    const settled = vi.fn();
    void result.then(settled);
    socket.deliver({ type: 'ack', session: 's1', clientMsgId: publish!.clientMsgId, offset: 7, duplicate: true });
    socket.deliver({ type: 'ack', session: 's1', clientMsgId: publish!.clientMsgId, offset: 9, duplicate: false });
    const { runId, offset } = await result;
    expect(runId).toBe((publish!.event as { runId: string }).runId);
    expect(offset).toBe(7);
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toHaveBeenCalledTimes(1);
    expect(sessions.getConnection().queued).toBe(0);
    sessions.close();
  });

  it('sends cancel, steer, approve and requestChanges frames and rejects on an error frame with a typed error', async () => {
    const sessions = client();
    const handle = sessions.session('s1', { token: 't' });
    const socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver(subscribed('s1'));
    const cancel = handle.cancel('r1', { taskId: 't1' }, 'enough');
    const steer = handle.steer('r1', 'Warmer tone', { mode: 'restart', scope: { agent: 'content-creator' } });
    const approve = handle.approve('r1', 't2', 'good');
    const changes = handle.requestChanges('r1', 't3', 'shorter');
    const [cancelFrame] = socket.framesOf('cancel');
    const [steerFrame] = socket.framesOf('steer');
    expect(cancelFrame).toMatchObject({ runId: 'r1', scope: { taskId: 't1' }, reason: 'enough' });
    expect(steerFrame).toMatchObject({ runId: 'r1', instruction: 'Warmer tone', mode: 'restart', scope: { agent: 'content-creator' } });
    // Review decisions name the device they were made on, for the person's other devices.
    const answeredOn = { device: 'desktop', clientId: sessions.presenceId };
    expect(socket.framesOf('publish').map((frame) => frame.event)).toEqual([
      { type: 'review.approved', runId: 'r1', taskId: 't2', comment: 'good', answeredOn },
      { type: 'review.changes_requested', runId: 'r1', taskId: 't3', comment: 'shorter', answeredOn },
    ]);
    socket.deliver({ type: 'ack', session: 's1', clientMsgId: cancelFrame!.clientMsgId, offset: 3, duplicate: false });
    await expect(cancel).resolves.toEqual({ clientMsgId: cancelFrame!.clientMsgId, offset: 3, duplicate: false });
    socket.deliver({ type: 'error', code: 'forbidden', message: 'no control', field: 'token', session: 's1', clientMsgId: steerFrame!.clientMsgId });
    await expect(steer).rejects.toMatchObject({ name: 'SessionClientError', code: 'forbidden', field: 'token' });
    for (const [index, frame] of socket.framesOf('publish').entries()) {
      socket.deliver({ type: 'ack', session: 's1', clientMsgId: frame.clientMsgId, offset: 10 + index, duplicate: false });
    }
    await expect(approve).resolves.toMatchObject({ offset: 10 });
    await expect(changes).resolves.toMatchObject({ offset: 11 });
    sessions.close();
  });

  it('refuses a message larger than the server accepts instead of queueing it, and tracks presence', async () => {
    const sessions = client();
    const handle = sessions.session('s1', { token: 't' });
    const socket = latest();
    socket.open();
    socket.deliver({ type: 'welcome', protocol: 1, connectionId: 'c1', heartbeatMs: 10_000, maxFrameBytes: 1_024 });
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver(subscribed('s1'));
    await expect(handle.submitBrief({ goal: 'x'.repeat(1_500) })).rejects.toMatchObject({ code: 'frame_too_large', session: 's1' });
    expect(sessions.getConnection().queued).toBe(0);
    expect(socket.framesOf('publish')).toHaveLength(0);

    const listener = vi.fn();
    handle.subscribe(listener);
    socket.deliver({ type: 'presence', session: 's1', viewers: [{ clientId: 'phone', userId: 'u1', since: 5 }] });
    expect(handle.viewers).toEqual([{ clientId: 'phone', userId: 'u1', since: 5 }]);
    expect(listener).toHaveBeenCalledTimes(1);
    // Changes arrive as joins and leaves, applied to the list the first frame gave.
    socket.deliver({ type: 'presence.changed', session: 's1', joined: [{ clientId: 'laptop', userId: 'u2', since: 7 }], left: [{ clientId: 'phone', userId: 'u1' }] });
    expect(handle.viewers).toEqual([{ clientId: 'laptop', userId: 'u2', since: 7 }]);
    socket.deliver({ type: 'presence.changed', session: 's1', joined: [{ clientId: 'laptop', userId: 'u2', since: 7 }], left: [{ clientId: 'tablet', userId: 'u3' }] });
    expect(handle.viewers).toEqual([{ clientId: 'laptop', userId: 'u2', since: 7 }]);
    expect(listener).toHaveBeenCalledTimes(3);
    sessions.close();
  });

  it('rejects invalid arguments with a typed error naming the field, without sending anything', async () => {
    const sessions = client();
    const handle = sessions.session('s1', { token: 't' });
    const socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver(subscribed('s1'));
    await expect(handle.submitBrief({ goal: '' })).rejects.toMatchObject({ code: 'invalid_argument', field: 'event.brief.goal' });
    await expect(handle.publish({ type: 'run.completed', runId: 'r1', deliverableIds: [] })).rejects.toMatchObject({ field: 'event.type' });
    await expect(handle.cancel('bad id')).rejects.toMatchObject({ code: 'invalid_argument', field: 'runId' });
    await expect(handle.steer('r1', '')).rejects.toMatchObject({ field: 'instruction' });
    expect(() => sessions.session('bad id', { token: 't' })).toThrow(expect.objectContaining({ code: 'invalid_argument', field: 'session' }));
    expect(() => sessions.session('ok', {} as never)).toThrow(expect.objectContaining({ field: 'auth' }));
    expect(() => handle.subscribe('nope' as never)).toThrow(expect.objectContaining({ field: 'listener' }));
    expect(() => sessions.subscribeConnection(undefined as never)).toThrow(expect.objectContaining({ field: 'listener' }));
    expect(() => new SessionClient({ url: 'ftp://x', WebSocket: FakeSocket })).toThrow(expect.objectContaining({ field: 'url' }));
    expect(() => new SessionClient({ url: 'ws://x', WebSocket: FakeSocket, backoff: { initialMs: -1 } })).toThrow(
      expect.objectContaining({ field: 'options.backoff.initialMs' }),
    );
    expect(socket.framesOf('publish')).toHaveLength(0);
    expect(sessions.getConnection().queued).toBe(0);
    sessions.close();
  });
});

describe('SessionClient: reconnecting', () => {
  it('reconnects with backoff, resumes every session from its offset and reports what it caught up', async () => {
    const sessions = client({ backoff: { initialMs: 100, maxMs: 1_000, jitter: 0 } });
    const handle = sessions.session('s1', { token: 't' });
    let socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver(subscribed('s1'));
    socket.deliver(events('s1', records(1, 3)));
    const statuses: string[] = [];
    sessions.subscribeConnection(() => statuses.push(`${sessions.getConnection().status}:${sessions.getConnection().attempt}`));

    socket.drop();
    expect(FakeSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(FakeSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.instances).toHaveLength(2);
    latest().drop();
    await vi.advanceTimersByTimeAsync(200);
    expect(FakeSocket.instances).toHaveLength(3);
    expect(statuses).toEqual(['reconnecting:1', 'reconnecting:2']);

    socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.framesOf('subscribe')).toEqual([{ type: 'subscribe', session: 's1', token: 't', from: 3, epoch: 'e1' }]);
    socket.deliver(subscribed('s1', 'e1', 6));
    expect(sessions.getConnection().lastResume).toBeUndefined();
    socket.deliver(events('s1', records(4, 6)));
    expect(handle.offset).toBe(6);
    expect(sessions.getConnection()).toMatchObject({ status: 'live', attempt: 0, lastResume: { caughtUp: 3, at: Date.now() } });
    sessions.close();
  });

  it('treats a silent socket as dead after 2 x heartbeat and pings every heartbeat / 2', async () => {
    const sessions = client({ backoff: { initialMs: 100, maxMs: 100, jitter: 0 } });
    sessions.session('s1', { token: 't' });
    const socket = connect(latest(), 1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(socket.framesOf('ping')).toHaveLength(2);
    expect(socket.closedWith).toBeUndefined();
    // Nothing arrives at all (a half-open connection): the socket is given up.
    await vi.advanceTimersByTimeAsync(1_600);
    expect(socket.closedWith?.code).toBe(4002);
    expect(sessions.getConnection().status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(100);
    expect(FakeSocket.instances).toHaveLength(2);
    sessions.close();
  });

  it('keeps a socket that answers pings', async () => {
    const sessions = client();
    const socket = connect(latest(), 1_000);
    for (let index = 0; index < 10; index += 1) {
      await vi.advanceTimersByTimeAsync(500);
      socket.deliver({ type: 'pong' });
    }
    expect(socket.closedWith).toBeUndefined();
    expect(FakeSocket.instances).toHaveLength(1);
    sessions.close();
  });

  it('does not reconnect after close codes 1000, 4000 and 4003', async () => {
    for (const code of [1000, 4000, 4003]) {
      FakeSocket.instances = [];
      const sessions = client();
      connect().drop(code);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(FakeSocket.instances).toHaveLength(1);
      expect(sessions.getConnection().status).toBe('offline');
      sessions.close();
    }
  });

  it('says the server is unreachable, and since when, after unreachableAfterAttempts failed retries', async () => {
    const sessions = client({ unreachableAfterAttempts: 2, backoff: { initialMs: 400, maxMs: 400, jitter: 0 } });
    connect();
    const lostAt = Date.now();
    latest().drop();
    expect(sessions.getConnection()).toMatchObject({ status: 'reconnecting', attempt: 1, downSince: lostAt });
    const seen: string[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await vi.advanceTimersByTimeAsync(400);
      latest().drop();
      seen.push(sessions.getConnection().status);
    }
    expect(seen).toEqual(['reconnecting', 'unreachable', 'unreachable']);
    expect(sessions.getConnection().downSince).toBe(lostAt);
    // Retries go on; once the server answers the status is live again, with no downSince.
    await vi.advanceTimersByTimeAsync(400);
    connect();
    expect(sessions.getConnection().status).toBe('live');
    expect(sessions.getConnection().downSince).toBeUndefined();
    sessions.close();
  });

  it('waits at most 5 s between attempts by default, so a short outage is followed by a short wait', async () => {
    const sessions = client({ random: () => 0.999 });
    connect();
    latest().drop();
    const waits: number[] = [];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const before = FakeSocket.instances.length;
      let waited = 0;
      while (FakeSocket.instances.length === before) {
        await vi.advanceTimersByTimeAsync(100);
        waited += 100;
      }
      waits.push(waited);
      latest().drop();
    }
    expect(Math.max(...waits)).toBeLessThanOrEqual(5_000);
    expect(waits.at(-1)).toBeGreaterThan(4_000);
    sessions.close();
  });

  it('replaces a socket at once when a ping goes unanswered for pongTimeoutMs', async () => {
    const sessions = client({ pongTimeoutMs: 300, backoff: { initialMs: 100, maxMs: 100, jitter: 0 } });
    const socket = connect(latest(), 10_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(socket.framesOf('ping')).toHaveLength(1);
    expect(socket.closedWith).toBeUndefined();
    await vi.advanceTimersByTimeAsync(300);
    expect(socket.closedWith?.code).toBe(4002);
    expect(sessions.getConnection().status).toBe('reconnecting');
    sessions.close();
  });
});

describe('SessionClient: network status', () => {
  it('is offline while the device says so, and retries at once when the network comes back', async () => {
    const listeners = new Map<string, () => void>();
    vi.stubGlobal('navigator', { onLine: true });
    vi.stubGlobal('addEventListener', (type: string, listener: () => void) => listeners.set(type, listener));
    vi.stubGlobal('removeEventListener', (type: string) => listeners.delete(type));
    try {
      const sessions = client({ backoff: { initialMs: 60_000, maxMs: 60_000, jitter: 0 } });
      expect([...listeners.keys()]).toEqual(['online', 'offline']);
      connect();
      vi.stubGlobal('navigator', { onLine: false });
      latest().drop();
      expect(sessions.getConnection().status).toBe('offline');
      vi.stubGlobal('navigator', { onLine: true });
      listeners.get('online')!();
      expect(FakeSocket.instances).toHaveLength(2);
      connect();
      expect(sessions.getConnection().status).toBe('live');
      sessions.close();
      expect(listeners.size).toBe(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('goes offline at once when the device does while live, and reconnects as soon as it is back', async () => {
    const listeners = new Map<string, () => void>();
    vi.stubGlobal('navigator', { onLine: true });
    vi.stubGlobal('addEventListener', (type: string, listener: () => void) => listeners.set(type, listener));
    vi.stubGlobal('removeEventListener', (type: string) => listeners.delete(type));
    try {
      const sessions = client({ backoff: { initialMs: 60_000, maxMs: 60_000, jitter: 0 } });
      const socket = connect();
      expect(sessions.getConnection().status).toBe('live');
      vi.stubGlobal('navigator', { onLine: false });
      listeners.get('offline')!();
      // No waiting for two silent heartbeats: the socket that looks open is given up now.
      expect(sessions.getConnection()).toMatchObject({ status: 'offline', downSince: Date.now() });
      expect(socket.closedWith?.code).toBe(4002);
      vi.stubGlobal('navigator', { onLine: true });
      listeners.get('online')!();
      expect(FakeSocket.instances).toHaveLength(2);
      connect();
      expect(sessions.getConnection().status).toBe('live');
      sessions.close();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('SessionClient: tokens', () => {
  it('asks getToken for the first subscribe, refreshes before expiry and after an unauthorized error', async () => {
    let issued = 0;
    const getToken = vi.fn(async (session: string) => `${session}-token-${++issued}`);
    // A long heartbeat, so the silent fake socket is not given up while the token ages.
    const sessions = client({ heartbeatMs: 600_000 });
    const handle = sessions.session('s1', { getToken });
    const socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(getToken).toHaveBeenCalledWith('s1');
    expect(socket.framesOf('subscribe')[0]!.token).toBe('s1-token-1');
    const expiresAt = Math.floor(Date.now() / 1000) + 100;
    socket.deliver(subscribed('s1', 'e1', 0, expiresAt));
    await vi.advanceTimersByTimeAsync(79_000);
    expect(socket.framesOf('refresh')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(socket.framesOf('refresh')).toEqual([{ type: 'refresh', session: 's1', token: 's1-token-2' }]);

    socket.deliver({ type: 'error', code: 'unauthorized', message: 'token: expired; subscribe again', field: 'token', session: 's1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.framesOf('subscribe').at(-1)).toMatchObject({ token: 's1-token-3' });
    expect(handle.error).toBeUndefined();
    socket.deliver(subscribed('s1', 'e1', 0, expiresAt + 1_000));
    // A second refusal in a row is final for a fixed token and reported on the handle.
    const fixed = sessions.session('s2', { token: 'bad' });
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver({ type: 'error', code: 'unauthorized', message: 'token: bad signature', field: 'token', session: 's2' });
    expect(fixed.error).toMatchObject({ code: 'unauthorized', session: 's2' });
    // Asking for the session again with a new token retries the refused subscription.
    sessions.session('s2', { token: 'good' });
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.framesOf('subscribe').at(-1)).toMatchObject({ session: 's2', token: 'good' });
    socket.deliver(subscribed('s2'));
    expect(fixed.error).toBeUndefined();
    sessions.close();
  });
});

describe('SessionClient: releasing and closing', () => {
  it('unsubscribes when the last handle is released and rejects its pending messages', async () => {
    const sessions = client();
    const first = sessions.session('s1', { token: 't' });
    const second = sessions.session('s1', { token: 't' });
    const socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver(subscribed('s1'));
    expect(socket.framesOf('subscribe')).toHaveLength(1);
    const pending = second.cancel('r1');
    first.release();
    first.release();
    expect(socket.framesOf('unsubscribe')).toHaveLength(0);
    second.release();
    expect(socket.framesOf('unsubscribe')).toEqual([{ type: 'unsubscribe', session: 's1' }]);
    await expect(pending).rejects.toMatchObject({ code: 'released' });
    await expect(second.cancel('r1')).rejects.toMatchObject({ code: 'released' });
    sessions.close();
  });

  it('close() closes the socket, rejects pending messages and leaves no timer or listener behind', async () => {
    const sessions = client();
    const handle = sessions.session('s1', { getToken: () => 'jwt' });
    const socket = connect();
    await vi.advanceTimersByTimeAsync(0);
    socket.deliver(subscribed('s1', 'e1', 0, Math.floor(Date.now() / 1000) + 3_600));
    const listener = vi.fn();
    handle.subscribe(listener);
    const connectionListener = vi.fn();
    sessions.subscribeConnection(connectionListener);
    const pending = handle.submitBrief({ goal: 'Go' });
    expect(vi.getTimerCount()).toBeGreaterThan(0);

    sessions.close();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    expect(socket.closedWith?.code).toBe(1000);
    expect(vi.getTimerCount()).toBe(0);
    expect(sessions.getConnection().status).toBe('offline');
    listener.mockClear();
    connectionListener.mockClear();
    socket.deliver(events('s1', records(1, 1)));
    socket.drop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(listener).not.toHaveBeenCalled();
    expect(connectionListener).not.toHaveBeenCalled();
    expect(FakeSocket.instances).toHaveLength(1);
    expect(() => sessions.session('s2', { token: 't' })).toThrow(expect.objectContaining({ code: 'closed' }));
  });
});
