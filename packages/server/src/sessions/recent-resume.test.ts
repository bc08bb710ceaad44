import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServerFrame, SessionEvent, SessionRecord } from '@marketing-team/core';
import type { SessionGrant } from '../auth/token-issuer.js';
import { MemoryStore } from '../stores/memory-store.js';
import { RedisStore } from '../stores/redis-store.js';
import type { SessionStore } from '../stores/session-store.js';
import { SessionHub } from './session-hub.js';
import type { SessionSubscriber } from './session-subscriber.js';

const grant: SessionGrant = { userId: 'u-1', capabilities: ['read', 'write'], expiresAt: Math.floor(Date.now() / 1000) + 600 };
const delta = (index: number): SessionEvent => ({ type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: `t${index} ` });

function collector(): SessionSubscriber & { frames: ServerFrame[]; records: SessionRecord[] } {
  const frames: ServerFrame[] = [];
  const records: SessionRecord[] = [];
  return {
    frames,
    records,
    clientId: 'c-1',
    userId: 'u-1',
    subscribed: (frame) => frames.push(frame),
    snapshot: (json) => frames.push(JSON.parse(json) as ServerFrame),
    deliver: (batch) => {
      frames.push(JSON.parse(batch.frameJson()) as ServerFrame);
      records.push(...batch.records);
    },
    presence: () => undefined,
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

const offsets = (records: SessionRecord[]) => records.map((record) => record.offset);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

const stores: { name: string; open(): SessionStore }[] = [
  { name: 'memory', open: () => new MemoryStore() },
  { name: 'Redis', open: () => new RedisStore({ keyPrefix: `mt-test-recent-${randomUUID().slice(0, 8)}:` }) },
];

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe.each(stores)('resume from the records a session keeps in memory ($name store)', ({ open }) => {
  it('replays a resume from an offset it still holds without reading the store', async () => {
    const store = open();
    const hub = new SessionHub({ store, recentRecords: 100 });
    for (let i = 0; i < 150; i++) await store.append('s', [delta(i)]);
    (await hub.subscribe('s', grant, collector())).close();
    const reads = vi.spyOn(store, 'read');
    const resumed = collector();
    const subscription = await hub.subscribe('s', grant, resumed, { from: 60 });
    expect(reads).not.toHaveBeenCalled();
    expect(offsets(resumed.records)).toEqual(range(61, 150));
    expect(resumed.frames[0]?.type).toBe('subscribed');
    // Older than what is kept: from the store, as before.
    const older = collector();
    (await hub.subscribe('s', grant, older, { from: 20 })).close();
    expect(reads).toHaveBeenCalled();
    expect(offsets(older.records)).toEqual(range(21, 150));
    subscription.close();
    await hub.close();
    await store.delete('s');
    await store.close();
  });

  it('holds no more than its byte budget: large events push the older ones out to the store', async () => {
    const store = open();
    const hub = new SessionHub({ store, recentRecords: 1000, recentRecordBytes: 64 * 1024 });
    const watcher = collector();
    const watching = await hub.subscribe('s', grant, watcher);
    // 20 events of about 15 KB: the budget holds the newest few, not the 20 the count allows.
    for (let i = 0; i < 20; i++) await store.append('s', [{ type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: `${i} ${'x'.repeat(15_000)}` }]);
    await until(() => watcher.records.length === 20);
    const reads = vi.spyOn(store, 'read');
    const recent = collector();
    (await hub.subscribe('s', grant, recent, { from: 17 })).close();
    expect(reads).not.toHaveBeenCalled();
    expect(offsets(recent.records)).toEqual([18, 19, 20]);
    const older = collector();
    (await hub.subscribe('s', grant, older, { from: 5 })).close();
    expect(reads).toHaveBeenCalled();
    expect(offsets(older.records)).toEqual(range(6, 20));
    watching.close();
    await hub.close();
    await store.delete('s');
    await store.close();
  });

  it('crosses from the replay to the live tail under concurrent appends with nothing lost, repeated or reordered', async () => {
    const store = open();
    // Small pages: each resume takes several turns, with appends landing between them.
    const hub = new SessionHub({ store, recentRecords: 64, replayPageSize: 8 });
    for (let i = 0; i < 100; i++) await store.append('s', [delta(i)]);
    const watcher = collector();
    const watching = await hub.subscribe('s', grant, watcher, { from: 0 });
    const resumes: { from: number; subscriber: ReturnType<typeof collector>; subscription: Promise<{ close(): void }> }[] = [];
    let head = 100;
    for (let i = 100; i < 400; i++) {
      const appended = store.append('s', [delta(i), delta(i + 0.5)].slice(0, 1 + (i % 2)));
      if (i % 25 === 0) {
        // Within what is kept (5 back), at its edge, and beyond it (from the store).
        for (const back of [5, 60, 90]) {
          const subscriber = collector();
          resumes.push({ from: head - back, subscriber, subscription: hub.subscribe('s', grant, subscriber, { from: head - back }) });
        }
      }
      head = (await appended).lastOffset;
      if (i % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => resumes.every(({ subscriber }) => subscriber.records.at(-1)?.offset === head) && watcher.records.at(-1)?.offset === head);
    for (const { from, subscriber } of resumes) {
      expect(subscriber.frames.some((frame) => frame.type === 'snapshot')).toBe(false);
      expect(offsets(subscriber.records)).toEqual(range(from + 1, head));
    }
    expect(offsets(watcher.records)).toEqual(range(1, head));
    for (const { subscription } of resumes) (await subscription).close();
    watching.close();
    await hub.close();
    await store.delete('s');
    await store.close();
  });

  it('lets go of the records its own retention dropped: a resume from them gets a snapshot', async () => {
    const store = open();
    const hub = new SessionHub({ store, recentRecords: 100, snapshotEvery: 20, retention: { maxEvents: 10 } });
    const watching = await hub.subscribe('s', grant, collector(), { from: 0 });
    for (let i = 0; i < 30; i++) await store.append('s', [delta(i)]);
    for (let i = 0; i < 200 && (await store.firstOffset('s')) === 1; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    const first = await store.firstOffset('s');
    expect(first).toBeGreaterThan(1);
    // The channel learns of the drop just after the store made it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const resumed = collector();
    (await hub.subscribe('s', grant, resumed, { from: 1 })).close();
    expect(resumed.frames.map((frame) => frame.type)).toEqual(['subscribed', 'snapshot']);
    const kept = collector();
    (await hub.subscribe('s', grant, kept, { from: first })).close();
    expect(offsets(kept.records)).toEqual(range(first + 1, 30));
    watching.close();
    await hub.close();
    await store.delete('s');
    await store.close();
  });
});

describe('an unused session', () => {
  it('lets its recent records go a while after its last subscriber left, staying warm', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = new MemoryStore();
    const hub = new SessionHub({ store, recentRecords: 100, idleSessionMs: 60_000 });
    for (let i = 0; i < 50; i++) await store.append('s', [delta(i)]);
    (await hub.subscribe('s', grant, collector())).close();
    const reads = vi.spyOn(store, 'read');
    (await hub.subscribe('s', grant, collector(), { from: 40 })).close();
    expect(reads).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10_001);
    expect(hub.warmSessions).toBe(1);
    const resumed = collector();
    (await hub.subscribe('s', grant, resumed, { from: 40 })).close();
    expect(reads).toHaveBeenCalled();
    expect(offsets(resumed.records)).toEqual(range(41, 50));
    await hub.close();
  });
});
