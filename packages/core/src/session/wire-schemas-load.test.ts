// A client's first load does not carry the frame and event schemas (see `_wire.ts`): what arrives
// or is sent before they are here waits for them, in order. Each test takes fresh modules, so the
// schemas start out not loaded.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { findMessage } from '../protocol/messages.js';
import { FakeSocket, events, record, subscribed, welcome } from './testing/fake-socket.js';

async function freshClient() {
  vi.resetModules();
  const { SessionClient } = await import('./session-client.js');
  const sessions = new SessionClient({ url: 'ws://example.test/mt/ws', WebSocket: FakeSocket, transport: 'websocket' });
  return { sessions, handle: sessions.session('s1', { token: 'tok' }), socket: FakeSocket.latest() };
}

beforeEach(() => {
  FakeSocket.instances = [];
});

describe('before the schemas have loaded', () => {
  it('holds the frames received and handles them once the schemas are here, in the order they came', async () => {
    const { sessions, handle, socket } = await freshClient();
    socket.open();
    socket.deliver(welcome());
    socket.deliver(subscribed('s1'));
    socket.deliver(events('s1', [record(1), record(2), record(3, 'Hel')]));
    socket.deliver(events('s1', [record(4, 'lo')]));
    expect(handle.offset).toBe(0);
    await vi.waitFor(() => expect(handle.offset).toBe(4));
    expect(socket.framesOf('subscribe')).toHaveLength(1);
    expect(findMessage(handle.getState(), 'm1')!.text).toBe('Hello');
    sessions.close();
  });

  it('sends the messages published in the meantime in the order they were published', async () => {
    const { sessions, handle, socket } = await freshClient();
    const first = handle.publish({ type: 'card.created', cardId: 'c1', title: 'First' });
    const invalid = handle.publish({ type: 'card.created', cardId: '', title: 'No id' });
    const second = handle.publish({ type: 'card.created', cardId: 'c2', title: 'Second' });
    await expect(invalid).rejects.toMatchObject({ code: 'invalid_argument', field: expect.stringContaining('cardId') });
    socket.open();
    socket.deliver(welcome());
    socket.deliver(subscribed('s1'));
    await vi.waitFor(() => expect(socket.framesOf('publish')).toHaveLength(2));
    expect(socket.framesOf('publish').map((frame) => (frame.event as { cardId: string }).cardId)).toEqual(['c1', 'c2']);
    void first.catch(() => {});
    void second.catch(() => {});
    sessions.close();
  });
});
