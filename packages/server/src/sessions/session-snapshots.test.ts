import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '@marketing-team/core';
import type { SessionGrant } from '../auth/token-issuer.js';
import { MemoryStore } from '../stores/memory-store.js';
import type { AppendOptions, AppendResult, RetentionPolicy, StoredSnapshot } from '../stores/session-store.js';
import { SessionHub } from './session-hub.js';
import type { SessionSubscriber } from './session-subscriber.js';

const grant: SessionGrant = { userId: 'u-1', capabilities: ['read', 'write'], expiresAt: Math.floor(Date.now() / 1000) + 600 };

const quiet: SessionSubscriber = {
  clientId: 'c-1',
  userId: 'u-1',
  subscribed: () => undefined,
  snapshot: () => undefined,
  deliver: () => undefined,
  presence: () => undefined,
};

function deltas(count: number, from = 0): SessionEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    type: 'text.delta',
    runId: 'r1',
    taskId: 't1',
    agent: 'content-creator',
    messageId: `m${Math.floor((from + index) / 40)}`,
    text: `token ${from + index} `,
  }));
}

/** A memory store that notes when snapshots are saved and retention applied. */
class WatchedStore extends MemoryStore {
  appending = false;
  readonly saves: Array<{ offset: number; insideAppend: boolean }> = [];
  readonly retentions: RetentionPolicy[] = [];

  override append(session: string, events: SessionEvent[], options?: AppendOptions): Promise<AppendResult> {
    // The memory store stores and delivers synchronously: whatever the hub does on delivery runs in here.
    this.appending = true;
    try {
      return super.append(session, events, options);
    } finally {
      this.appending = false;
    }
  }

  override saveSnapshot(session: string, snapshot: StoredSnapshot): Promise<void> {
    this.saves.push({ offset: snapshot.offset, insideAppend: this.appending });
    return super.saveSnapshot(session, snapshot);
  }

  override applyRetention(session: string, policy: RetentionPolicy): Promise<number> {
    this.retentions.push(policy);
    return super.applyRetention(session, policy);
  }
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

describe('snapshots of a followed session', () => {
  it('are saved after the append that crossed snapshotEvery, never inside it, and retention follows each', async () => {
    const store = new WatchedStore();
    const hub = new SessionHub({ store, snapshotEvery: 10, onError: () => undefined });
    const subscription = await hub.subscribe('s', grant, quiet);
    for (let index = 0; index < 25; index++) await store.append('s', deltas(1, index));
    await until(() => store.saves.length >= 1 && store.retentions.length >= 1);
    expect(store.saves.map((save) => save.insideAppend)).not.toContain(true);
    expect(store.saves[0]!.offset).toBeGreaterThanOrEqual(10);
    // No policy given: the default one, which trims client message ids beyond the window only.
    expect(store.retentions[0]).toEqual({});
    subscription.close();
    await hub.close();
  });

  it('opening a long log saves one snapshot for all it replayed, not one per snapshotEvery', async () => {
    const store = new WatchedStore();
    for (let index = 0; index < 5; index++) await store.append('s', deltas(1000, index * 1000));
    const hub = new SessionHub({ store, snapshotEvery: 100, onError: () => undefined });
    const subscription = await hub.subscribe('s', grant, quiet);
    await until(() => store.saves.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.saves).toEqual([{ offset: 5000, insideAppend: false }]);
    subscription.close();
    await hub.close();
  });
});

describe('SessionHub.snapshot', () => {
  it('hands out a state the caller may change without changing the session', async () => {
    const store = new MemoryStore();
    const hub = new SessionHub({ store });
    await store.append('s', deltas(3));
    const taken = await hub.snapshot('s');
    const before = JSON.stringify(taken.state);
    const message = Object.values(taken.state.messageBuckets.find((bucket) => Object.keys(bucket).length > 0)!)[0]!;
    message.text = 'changed by the caller';
    taken.state.runOrder.push('r-caller');
    (taken.state as { offset: number }).offset = 99;
    expect(JSON.stringify((await hub.snapshot('s')).state)).toBe(before);
    // A device joining now gets the session as stored, not the caller's changes.
    const frames: string[] = [];
    await hub.subscribe('s', grant, { ...quiet, snapshot: (json) => frames.push(json) });
    expect(JSON.parse(frames[0]!).state).toEqual(JSON.parse(before));
    // And the session goes on from where it was.
    await store.append('s', deltas(1, 3));
    const after = (await hub.snapshot('s')).state;
    expect(after.offset).toBe(4);
    expect(after.runOrder).not.toContain('r-caller');
    await hub.close();
    await store.close();
  });
});
