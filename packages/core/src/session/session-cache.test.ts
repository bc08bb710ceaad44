import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { ClientFrame, SessionState } from '../protocol/index.js';
import { applyRecords, createSessionState } from './reducer.js';
import { SessionCache, SessionCacheOptionsSchema, emptySessionCache, openSessionCache } from './session-cache.js';
import { records } from './testing/fake-socket.js';

function stateAt(offset: number, text = 'x'): SessionState {
  return applyRecords(createSessionState(), records(1, offset, () => text));
}

const steer = (session: string, clientMsgId: string): Extract<ClientFrame, { type: 'steer' }> => ({
  type: 'steer',
  session,
  clientMsgId,
  runId: 'r1',
  instruction: 'Lead with the price',
});

async function save(cache: SessionCache, session: string, state: SessionState, epoch = 'e1'): Promise<void> {
  cache.schedule(session, () => ({ epoch, state }));
  await cache.flush();
}

describe('SessionCache', () => {
  it('gives back the state and epoch it saved, per scope', async () => {
    const indexedDB = new IDBFactory();
    const cache = new SessionCache('ws://a/mt/ws\nuser-1', { indexedDB });
    await save(cache, 's1', stateAt(5));
    expect(await cache.read('s1')).toEqual({ epoch: 'e1', state: stateAt(5) });
    expect(await new SessionCache('ws://a/mt/ws\nuser-2', { indexedDB }).read('s1')).toBeUndefined();
    expect(await cache.read('s2')).toBeUndefined();
  });

  it('keeps at most maxSessions, dropping the least recently used first', async () => {
    const cache = new SessionCache('scope', { indexedDB: new IDBFactory(), maxSessions: 2 });
    await save(cache, 's1', stateAt(3));
    await new Promise((resolve) => setTimeout(resolve, 2));
    await save(cache, 's2', stateAt(3));
    await new Promise((resolve) => setTimeout(resolve, 2));
    // Reading s1 makes it the most recently used: s2 goes when s3 arrives.
    await cache.read('s1');
    await new Promise((resolve) => setTimeout(resolve, 2));
    await save(cache, 's3', stateAt(3));
    expect(await cache.read('s1')).toBeDefined();
    expect(await cache.read('s2')).toBeUndefined();
    expect(await cache.read('s3')).toBeDefined();
  });

  it('keeps at most maxBytes, and does not keep a state larger than that at all', async () => {
    const big = stateAt(3, 'y'.repeat(1500));
    const bytes = JSON.stringify({ epoch: 'e1', state: big }).length;
    const cache = new SessionCache('scope', { indexedDB: new IDBFactory(), maxBytes: Math.floor(bytes * 2.5) });
    await save(cache, 's1', big);
    await new Promise((resolve) => setTimeout(resolve, 2));
    await save(cache, 's2', big);
    await new Promise((resolve) => setTimeout(resolve, 2));
    await save(cache, 's3', big);
    // Two of them fit, three do not: the oldest went.
    expect(await cache.read('s1')).toBeUndefined();
    expect(await cache.read('s2')).toBeDefined();
    expect(await cache.read('s3')).toBeDefined();
    await save(cache, 's4', stateAt(3, 'z'.repeat(bytes * 3)));
    expect(await cache.read('s4')).toBeUndefined();
    expect(await cache.read('s3')).toBeDefined();
  });

  it('discards an entry (an epoch the server no longer has) and ignores a state of another version', async () => {
    const indexedDB = new IDBFactory();
    const cache = new SessionCache('scope', { indexedDB });
    await save(cache, 's1', stateAt(4));
    await cache.discard('s1');
    expect(await cache.read('s1')).toBeUndefined();
    await save(cache, 's2', { ...stateAt(4), version: 999 } as unknown as SessionState);
    expect(await cache.read('s2')).toBeUndefined();
  });

  it('clears every scope and the durable outbox (sign-out)', async () => {
    const indexedDB = new IDBFactory();
    const first = new SessionCache('one', { indexedDB });
    const second = new SessionCache('two', { indexedDB });
    await save(first, 's1', stateAt(2));
    await save(second, 's1', stateAt(2));
    await first.outbox.keep(steer('s1', 'msg-1'));
    await emptySessionCache(indexedDB);
    expect(await first.read('s1')).toBeUndefined();
    expect(await second.read('s1')).toBeUndefined();
    expect(await first.outbox.pending('s1')).toEqual([]);
  });

  it('validates its options, naming the field', () => {
    const parsed = SessionCacheOptionsSchema.safeParse({ maxSessions: 0, indexedDB: new IDBFactory() });
    expect(parsed.error?.issues[0]?.path).toEqual(['maxSessions']);
    expect(openSessionCache('scope', SessionCacheOptionsSchema.parse({}))).toBeUndefined(); // Node has no IndexedDB of its own
  });

  it('opens a database of its name that something else made without its stores', async () => {
    const indexedDB = new IDBFactory();
    await new Promise<void>((resolve) => {
      const request = indexedDB.open('marketing-team-sessions');
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
    });
    const cache = new SessionCache('scope', { indexedDB });
    await save(cache, 's1', stateAt(2));
    expect(await cache.read('s1')).toBeDefined();
  });
});

describe('DurableOutbox', () => {
  it('keeps messages per session until settled, oldest first', async () => {
    const cache = new SessionCache('scope', { indexedDB: new IDBFactory() });
    await cache.outbox.keep(steer('s1', 'msg-1'));
    await new Promise((resolve) => setTimeout(resolve, 2));
    await cache.outbox.keep(steer('s1', 'msg-2'));
    await cache.outbox.keep(steer('s2', 'msg-3'));
    expect((await cache.outbox.pending('s1')).map((frame) => frame.clientMsgId)).toEqual(['msg-1', 'msg-2']);
    await cache.outbox.settle('msg-1');
    expect((await cache.outbox.pending('s1')).map((frame) => frame.clientMsgId)).toEqual(['msg-2']);
    expect((await cache.outbox.pending('s2')).map((frame) => frame.clientMsgId)).toEqual(['msg-3']);
  });
});
