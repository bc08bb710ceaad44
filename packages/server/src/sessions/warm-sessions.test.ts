import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '@marketing-team/core';
import type { SessionGrant } from '../auth/token-issuer.js';
import { MemoryStore } from '../stores/memory-store.js';
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

const delta: SessionEvent = { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: 'x' };

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(await check()).toBe(true);
}

describe('warm sessions', () => {
  it('keeps at most maxIdleSessions unused sessions in memory, dropping the one idle longest first', async () => {
    const store = new MemoryStore();
    const hub = new SessionHub({ store, maxIdleSessions: 2, idleSessionMs: 600_000, onError: () => undefined });
    for (const session of ['s1', 's2', 's3']) {
      await store.append(session, [delta]);
      (await hub.subscribe(session, grant, quiet)).close();
    }
    // s1 went idle first: it is dropped, saving what it applied as a snapshot on the way out.
    await until(async () => (await store.loadSnapshot('s1')) !== undefined);
    expect(hub.warmSessions).toBe(2);
    // Using s2 again makes s3 the one idle longest.
    (await hub.subscribe('s2', grant, quiet)).close();
    await store.append('s4', [delta]);
    (await hub.subscribe('s4', grant, quiet)).close();
    await until(async () => (await store.loadSnapshot('s3')) !== undefined);
    expect(await store.loadSnapshot('s2')).toBeUndefined();
    expect(hub.warmSessions).toBe(2);
    await hub.close();
  });

  it('never drops a session that is in use, however many are open', async () => {
    const store = new MemoryStore();
    const hub = new SessionHub({ store, maxIdleSessions: 0, idleSessionMs: 600_000, onError: () => undefined });
    const open = await Promise.all(['a', 'b', 'c'].map((session) => hub.subscribe(session, grant, quiet)));
    expect(hub.warmSessions).toBe(3);
    for (const subscription of open) subscription.close();
    await until(() => hub.warmSessions === 0);
    await hub.close();
  });
});
