import { describe, expect, it } from 'vitest';
import { digestText, findMessage, type ServerFrame, type SessionEventInput, type SessionRecord } from '@marketing-team/core';
import type { SessionGrant } from '../auth/token-issuer.js';
import { MemoryStore } from '../stores/memory-store.js';
import { DIGEST_EVERY_CHARS } from './_digest-schedule.js';
import { SessionHub } from './session-hub.js';
import type { SessionSubscriber } from './session-subscriber.js';

const grant: SessionGrant = { userId: 'u-1', capabilities: ['read', 'write', 'control'], expiresAt: Math.floor(Date.now() / 1000) + 600 };
const message = { runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1' };

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

describe('text digests on live events frames', () => {
  it('carry the server text digest every few thousand characters and when the message ends, never on every delta', async () => {
    const store = new MemoryStore();
    const hub = new SessionHub({ store, idleSessionMs: 0 });
    const frames: Extract<ServerFrame, { type: 'events' }>[] = [];
    const records: SessionRecord[] = [];
    const subscriber: SessionSubscriber = {
      clientId: 'c-1',
      userId: 'u-1',
      subscribed: () => undefined,
      snapshot: () => undefined,
      presence: () => undefined,
      deliver: (batch) => {
        frames.push(JSON.parse(batch.frameJson()) as Extract<ServerFrame, { type: 'events' }>);
        records.push(...batch.records);
      },
    };
    await hub.subscribe('s', grant, subscriber, { from: 0 });
    const chunk = 'Ship faster with five agents. '.repeat(30); // 900 characters
    let text = '';
    // One event per append, delivered before the next: each is a frame of its own.
    const append = async (event: SessionEventInput) => {
      const { lastOffset } = await store.append('s', [event as never]);
      await until(() => records.at(-1)?.offset === lastOffset);
    };
    await append({ type: 'message.started', ...message });
    for (let index = 0; index < 12; index += 1) {
      text += chunk;
      await append({ type: 'text.delta', ...message, text: chunk });
    }
    await append({ type: 'message.completed', ...message, text });

    const withDigests = frames.filter((frame) => frame.digests);
    // 12 × 900 characters: the first digest once 4 096 have passed (at 4 500), the next 4 096
    // later (at 9 000), then one when the message ends.
    expect(DIGEST_EVERY_CHARS).toBe(4096);
    expect(withDigests.map((frame) => frame.digests![0]!.length)).toEqual([4500, 9000, text.length]);
    for (const frame of withDigests) {
      const digest = frame.digests![0]!;
      expect(digest).toEqual({ messageId: 'm1', ...digestText(text.slice(0, digest.length)) });
    }
    // And the snapshot holds the same digest in the message's state.
    const { state } = await hub.snapshot('s');
    expect(findMessage(state, 'm1')!.digest).toEqual(digestText(text));
    await hub.close();
  });
});
