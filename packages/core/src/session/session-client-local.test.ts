// The client's opt-in local features in Node: tabs sharing a socket (and the fallback where the
// Web Locks API is missing), the IndexedDB cache and the durable outbox (on fake-indexeddb).
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionCache } from './session-cache.js';
import { SessionClient, type SessionClientOptions } from './session-client.js';
import { FakeSocket, records as recordsOf, subscribed, welcome as welcomeFrame } from './testing/fake-socket.js';

const welcome = welcomeFrame(60_000);
const records = (from: number, to: number) => recordsOf(from, to, (offset) => `${offset} `);

const clients: SessionClient[] = [];
function client(options: Partial<SessionClientOptions> = {}): SessionClient {
  const created = new SessionClient({ url: 'ws://example.test/mt/ws', WebSocket: FakeSocket, transport: 'websocket', heartbeatMs: 60_000, ...options });
  clients.push(created);
  return created;
}

async function connect(socket: FakeSocket): Promise<void> {
  socket.open();
  socket.deliver(welcome);
  await vi.waitFor(() => expect(socket.framesOf('subscribe').length).toBeGreaterThan(0));
}

afterEach(() => {
  for (const each of clients.splice(0)) each.close();
  FakeSocket.instances = [];
  delete (globalThis as { navigator?: unknown }).navigator;
});

describe('shareConnection', () => {
  it('falls back to a socket per client where the Web Locks API is missing (Node)', async () => {
    const first = client({ shareConnection: true, url: 'ws://fallback.test/mt/ws' });
    const second = client({ shareConnection: true, url: 'ws://fallback.test/mt/ws' });
    first.session('s1', { token: 't' });
    second.session('s1', { token: 't' });
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(2));
    for (const socket of FakeSocket.instances) await connect(socket);
    expect(FakeSocket.instances.map((socket) => socket.url)).toEqual(['ws://fallback.test/mt/ws', 'ws://fallback.test/mt/ws']);
  });

  it('shares one socket among the clients of a page where the Web Locks API is there, acks back to the writer', async () => {
    const held = new Set<string>();
    (globalThis as { navigator?: unknown }).navigator = {
      locks: {
        request: (name: string, callback: () => Promise<void>) => {
          if (held.has(name)) return new Promise<void>(() => undefined);
          held.add(name);
          return callback();
        },
      },
    };
    const first = client({ shareConnection: true, url: 'ws://shared.test/mt/ws' });
    const second = client({ shareConnection: true, url: 'ws://shared.test/mt/ws' });
    const one = first.session('s1', { token: 't' });
    const two = second.session('s1', { token: 't' });
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.instances[0]!;
    socket.open();
    socket.deliver(welcome);
    // One subscribe at a time: the server replaces a subscription still being set up.
    await vi.waitFor(() => expect(socket.framesOf('subscribe')).toHaveLength(1));
    socket.deliver(subscribed('s1'));
    await vi.waitFor(() => expect(socket.framesOf('subscribe')).toHaveLength(2));
    socket.deliver(subscribed('s1'));
    socket.deliver({ type: 'events', session: 's1', epoch: 'e1', batch: records(1, 3) });
    await vi.waitFor(() => expect([one.offset, two.offset]).toEqual([3, 3]));
    const steer = two.steer('r1', 'Lead with the price');
    await vi.waitFor(() => expect(socket.framesOf('steer')).toHaveLength(1));
    const { clientMsgId } = socket.framesOf('steer')[0]!;
    socket.deliver({ type: 'ack', session: 's1', clientMsgId, offset: 4, duplicate: false });
    await expect(steer).resolves.toEqual({ clientMsgId, offset: 4, duplicate: false });
    expect(FakeSocket.instances).toHaveLength(1);
    expect(socket.framesOf('hello')).toHaveLength(1);
  });
});

describe('cache', () => {
  it('renders the cached state of a reload before the socket opens, then subscribes from its offset and epoch', async () => {
    const indexedDB = new IDBFactory();
    const first = client({ cache: { indexedDB } });
    const before = first.session('s1', { token: 't' });
    await connect(FakeSocket.instances[0]!);
    FakeSocket.instances[0]!.deliver(subscribed('s1', 'e1', 5));
    FakeSocket.instances[0]!.deliver({ type: 'events', session: 's1', epoch: 'e1', batch: records(1, 5) });
    expect(before.offset).toBe(5);
    const cache = new SessionCache('ws://example.test/mt/ws\n', { indexedDB });
    await vi.waitFor(async () => expect((await cache.read('s1'))?.state.offset).toBe(5));
    first.close();

    const second = client({ cache: { indexedDB } });
    const after = second.session('s1', { token: 't' });
    await vi.waitFor(() => expect(after.offset).toBe(5));
    expect(after.getState()).toEqual(before.getState());
    const socket = FakeSocket.instances[1]!;
    expect(socket.readyState).toBe(0);
    await connect(socket);
    expect(socket.framesOf('subscribe')).toEqual([{ type: 'subscribe', session: 's1', token: 't', from: 5, epoch: 'e1' }]);
  });

  it('discards the cached entry when the server has reset the log (another epoch)', async () => {
    const indexedDB = new IDBFactory();
    const cache = new SessionCache('ws://example.test/mt/ws\n', { indexedDB });
    const first = client({ cache: { indexedDB } });
    first.session('s1', { token: 't' });
    await connect(FakeSocket.instances[0]!);
    FakeSocket.instances[0]!.deliver(subscribed('s1', 'e1', 4));
    FakeSocket.instances[0]!.deliver({ type: 'events', session: 's1', epoch: 'e1', batch: records(1, 4) });
    await vi.waitFor(async () => expect((await cache.read('s1'))?.state.offset).toBe(4));
    first.close();

    const second = client({ cache: { indexedDB } });
    const handle = second.session('s1', { token: 't' });
    await vi.waitFor(() => expect(handle.offset).toBe(4));
    const socket = FakeSocket.instances[1]!;
    await connect(socket);
    socket.deliver(subscribed('s1', 'e2', 0));
    expect(handle.offset).toBe(0);
    // Gone, or replaced by the new epoch's state: never the old epoch's offsets again.
    await vi.waitFor(async () => expect((await cache.read('s1'))?.epoch ?? 'none').not.toBe('e1'));
  });

  it('clearCache empties it', async () => {
    const indexedDB = new IDBFactory();
    const cache = new SessionCache('ws://example.test/mt/ws\n', { indexedDB });
    const first = client({ cache: { indexedDB } });
    first.session('s1', { token: 't' });
    await connect(FakeSocket.instances[0]!);
    FakeSocket.instances[0]!.deliver(subscribed('s1', 'e1', 3));
    FakeSocket.instances[0]!.deliver({ type: 'events', session: 's1', epoch: 'e1', batch: records(1, 3) });
    await vi.waitFor(async () => expect((await cache.read('s1'))?.state.offset).toBe(3));
    await first.clearCache();
    expect(await cache.read('s1')).toBeUndefined();
  });

  it('reports a bad cache option through onError, naming the field', async () => {
    const onError = vi.fn();
    client({ cache: { maxSessions: -1, indexedDB: new IDBFactory() }, onError });
    await vi.waitFor(() => expect(onError).toHaveBeenCalled());
    expect(onError.mock.calls[0]![0]).toMatchObject({ code: 'invalid_argument', field: 'options.cache.maxSessions' });
  });
});

describe('durable outbox', () => {
  it('keeps a steer made offline across a reload, shows it pending, sends it once and forgets it on ack', async () => {
    const indexedDB = new IDBFactory();
    const cache = new SessionCache('ws://example.test/mt/ws\n', { indexedDB });
    const first = client({ cache: { indexedDB } });
    const handle = first.session('s1', { token: 't' });
    // Never connected: offline.
    handle.steer('r1', 'Lead with the price').catch(() => undefined);
    expect(handle.pending.map((message) => message.type)).toEqual(['steer']);
    const { clientMsgId } = handle.pending[0]!;
    await vi.waitFor(async () => expect((await cache.outbox.pending('s1')).map((frame) => frame.clientMsgId)).toEqual([clientMsgId]));
    first.close();

    const second = client({ cache: { indexedDB } });
    const reloaded = second.session('s1', { token: 't' });
    const listener = vi.fn();
    reloaded.subscribe(listener);
    await vi.waitFor(() => expect(reloaded.pending.map((message) => message.clientMsgId)).toEqual([clientMsgId]));
    expect(listener).toHaveBeenCalled();
    const socket = FakeSocket.instances[1]!;
    await connect(socket);
    socket.deliver(subscribed('s1'));
    expect(socket.framesOf('steer')).toEqual([{ type: 'steer', session: 's1', clientMsgId, runId: 'r1', instruction: 'Lead with the price' }]);
    socket.deliver({ type: 'ack', session: 's1', clientMsgId, offset: 7, duplicate: false });
    expect(reloaded.pending).toEqual([]);
    await vi.waitFor(async () => expect(await cache.outbox.pending('s1')).toEqual([]));
  });
});
