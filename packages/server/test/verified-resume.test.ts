import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SessionClient, findMessage, type DeliveryTelemetry, type SessionEventInput, type SessionClientError, type WebSocketConstructor } from '@marketing-team/core';
import { MemoryStore } from '../src/stores/index.js';
import { startServer, until, type RunningServer } from './_harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const message = { runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1' };

/**
 * A `ws` WebSocket that corrupts the text of the `corrupt`-th `text.delta` it receives, as a
 * broken cache, relay or proxy would: the client applies it without knowing.
 */
function corruptingWebSocket(corrupt: number): WebSocketConstructor {
  let seen = 0;
  return class CorruptingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      // The client listens through `onmessage`: what it is handed passes through here first.
      let listener: ((event: { data: unknown }) => void) | null = null;
      Object.defineProperty(this, 'onmessage', { configurable: true, get: () => listener, set: (value: typeof listener) => (listener = value) });
      this.on('message', (data) => {
        const text = String(data);
        if (!text.includes('"text.delta"')) return listener?.({ data: text });
        const frame = JSON.parse(text) as { batch: Array<{ event: { type: string; text?: string } }> };
        for (const record of frame.batch) {
          if (record.event.type !== 'text.delta') continue;
          seen += 1;
          if (seen === corrupt) record.event.text = record.event.text!.replace('five', 'FIVE');
        }
        listener?.({ data: JSON.stringify(frame) });
      });
    }
  };
}

async function serve(): Promise<{ running: RunningServer; store: MemoryStore }> {
  const store = new MemoryStore();
  const running = await startServer(store);
  cleanups.push(() => running.close());
  return { running, store };
}

describe('verified resume', () => {
  it('detects a corrupted text against the server digest, counts it and recovers exactly the server text from a snapshot', async () => {
    const { running, store } = await serve();
    const session = 'verified-1';
    const errors: SessionClientError[] = [];
    const client = new SessionClient({ url: running.wsUrl, WebSocket: corruptingWebSocket(2), onError: (error) => errors.push(error) });
    cleanups.push(() => client.close());
    const telemetry: DeliveryTelemetry[] = [];
    client.onTelemetry((figures) => telemetry.push(figures));
    const handle = client.session(session, { token: await running.token(session) });
    await until(() => handle.getState().offset >= 0 && client.getConnection().status === 'live');
    const append = async (event: SessionEventInput) => {
      const { lastOffset } = await store.append(session, [event as never]);
      await until(() => handle.getState().offset >= lastOffset, 10_000, `offset ${lastOffset}`);
    };
    const chunk = 'Ship faster with five agents. '.repeat(30);
    let text = '';
    await append({ type: 'message.started', ...message });
    // The first four deltas (3 600 characters) carry no digest: the corrupted second one goes unseen.
    for (let index = 0; index < 4; index += 1) {
      text += chunk;
      await append({ type: 'text.delta', ...message, text: chunk });
    }
    expect(findMessage(handle.getState(), 'm1')?.text).not.toBe(text);
    expect(client.telemetry.digestMismatches).toBe(0);
    // The fifth passes 4 096 characters: its frame carries the server digest, and the client finds it differs.
    text += chunk;
    await store.append(session, [{ type: 'text.delta', ...message, text: chunk } as never]);
    await until(() => client.telemetry.digestMismatches === 1, 10_000, 'the mismatch');
    await until(() => findMessage(handle.getState(), 'm1')?.text === text, 10_000, 'the recovery');
    expect(errors.some((error) => error.field === 'digests')).toBe(true);
    expect(telemetry.at(-1)?.digestMismatches).toBe(1);
    // Live delivery goes on from the snapshot, and the end of the message matches too.
    text += ' The end.';
    await append({ type: 'text.delta', ...message, text: ' The end.' });
    await append({ type: 'message.completed', ...message, text });
    expect(findMessage(handle.getState(), 'm1')).toMatchObject({ text, status: 'completed' });
    expect(client.telemetry.digestMismatches).toBe(1);
  });

  it('finds nothing to recover when every text matches', async () => {
    const { running, store } = await serve();
    const session = 'verified-2';
    const client = new SessionClient({ url: running.wsUrl, WebSocket });
    cleanups.push(() => client.close());
    const handle = client.session(session, { token: await running.token(session) });
    await until(() => client.getConnection().status === 'live');
    const chunk = 'x'.repeat(1000);
    const events: SessionEventInput[] = [{ type: 'message.started', ...message }];
    for (let index = 0; index < 10; index += 1) events.push({ type: 'text.delta', ...message, text: chunk });
    events.push({ type: 'message.completed', ...message, text: chunk.repeat(10) });
    for (const event of events) await store.append(session, [event as never]);
    await until(() => findMessage(handle.getState(), 'm1')?.status === 'completed', 10_000);
    expect(client.telemetry.digestMismatches).toBe(0);
  });
});
