/**
 * Test support: the delivery suite of the Ably transport, run unchanged against the in-memory
 * stand-in and, when `ABLY_API_KEY` is set, against Ably itself (`ably-transport.test.ts`).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ServerFrameSchema,
  applyRecords,
  createSessionState,
  type SessionEvent,
  type SessionRecord,
  type SessionState,
} from '@marketing-team/core';
import { createTokenIssuer } from '../../auth/index.js';
import { createScriptedProducer } from '../../runtime/scripted-producer.js';
import { SessionHub } from '../../sessions/session-hub.js';
import { MemoryStore } from '../../stores/memory-store.js';
import type { AblyBrowserClient, AblyInboundMessage, AblyServerClient } from './ably-client-types.js';
import { createAblyTransport, type AblyTransport, type AblyTransportOptions } from './ably-transport.js';
import { AblyMessageName, AblyRecordPartDataSchema, AblyRecordsDataSchema, AblyRepliesDataSchema } from './ably-wire.js';
import { ablyAuthCallback } from './client/ably-auth-callback.js';
import { fetchAblyRecovery } from './client/ably-recovery.js';
import { createAblySessionSocket } from './client/ably-session-socket.js';
import type { StandInAuthCallback } from './ably-stand-in.js';

/** A closable browser-side client. */
export type HarnessBrowserClient = AblyBrowserClient & { close(): void };

/** What the suite needs from an Ably (real or stand-in). */
export interface AblyHarness {
  /** A server client authenticated with the API key. */
  server: AblyServerClient;
  /** A browser client authenticated through `authCallback`, as `new Ably.Realtime({ authCallback })`. */
  browser(authCallback: StandInAuthCallback): HarnessBrowserClient;
  /** Messages stored on a channel, when the harness can count them. */
  messageCount?(channel: string): number;
  /** Publishes refused by the service (code), when the harness can see them. */
  refusals?(): number[];
  /** Simulated network trouble, when the harness can cause it. */
  network?: {
    disconnect(client: HarnessBrowserClient): void;
    reconnect(client: HarnessBrowserClient, offlineMs: number): void;
  };
  close(): Promise<void> | void;
}

const SECRET = 'suite-secret-of-at-least-thirty-two-chars';
const AGENT = 'content-creator';

function briefEvent(runId: string): SessionEvent {
  return { type: 'brief.submitted', runId, brief: { goal: 'Launch the spring line', channels: ['x'], deliverables: [], reviewGates: [] }, by: { kind: 'human', id: 'u-1' } };
}
function delta(runId: string, index: number): SessionEvent {
  return { type: 'text.delta', runId, taskId: 't1', agent: AGENT, messageId: 'm1', text: `token-${index} ` };
}
function started(runId: string): SessionEvent {
  return { type: 'message.started', runId, taskId: 't1', agent: AGENT, messageId: 'm1', offline: true };
}
function completed(runId: string, text: string): SessionEvent {
  return { type: 'message.completed', runId, taskId: 't1', agent: AGENT, messageId: 'm1', text, stopReason: 'end' };
}

/** Collects the records a raw Ably subscriber receives on a log channel, joining sliced records. */
function recordCollector() {
  const records: SessionRecord[] = [];
  const replies: unknown[] = [];
  const parts = new Map<number, string[]>();
  let messages = 0;
  const listener = (message: AblyInboundMessage): void => {
    messages += 1;
    if (message.name === AblyMessageName.records) {
      records.push(...AblyRecordsDataSchema.parse(message.data).batch);
    } else if (message.name === AblyMessageName.recordPart) {
      const part = AblyRecordPartDataSchema.parse(message.data);
      const chunks = parts.get(part.offset) ?? [];
      chunks[part.index] = part.chunk;
      parts.set(part.offset, chunks);
      if (chunks.filter((chunk) => chunk !== undefined).length === part.count) records.push(JSON.parse(chunks.join('')) as SessionRecord);
    } else if (message.name === AblyMessageName.replies) {
      replies.push(...AblyRepliesDataSchema.parse(message.data).frames);
    }
  };
  return { records, replies, listener, messages: () => messages };
}

/** Runs the suite against the harness `make` builds for each test. */
export function runAblyDeliverySuite(label: string, make: () => Promise<AblyHarness> | AblyHarness): void {
  describe(`Ably delivery (${label})`, () => {
    const cleanups: Array<() => unknown> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function setup(extra: Partial<AblyTransportOptions> = {}) {
      const harness = await make();
      cleanups.push(() => harness.close());
      const store = new MemoryStore();
      cleanups.push(() => store.close());
      const tokens = createTokenIssuer({ secret: SECRET });
      const errors: unknown[] = [];
      const transport = createAblyTransport({ ably: harness.server, store, tokens, onError: (error) => errors.push(error), ...extra });
      cleanups.push(() => transport.close());
      const session = `suite-${randomUUID()}`;
      const names = transport.channels(session);
      const browser = async (userId: string, capabilities: Array<'read' | 'write' | 'control'>) => {
        const grant = { userId, capabilities, expiresAt: Math.floor(Date.now() / 1000) + 600 };
        const client = harness.browser((_params, callback) => {
          transport.createTokenRequest(session, grant).then(
            (request) => callback(null, request),
            (error: unknown) => callback(error instanceof Error ? error : String(error), null),
          );
        });
        cleanups.push(() => client.close());
        return client;
      };
      return { harness, store, tokens, transport, session, names, browser, errors };
    }

    it("delivers a run's records to an Ably subscriber in order, with nothing lost, slicing an oversize record", async () => {
      const { store, transport, session, names, browser } = await setup();
      await transport.openSession(session);
      const viewer = await browser('viewer-1', ['read']);
      const collected = recordCollector();
      await viewer.channels.get(names.log).subscribe(collected.listener);

      await store.append(session, [briefEvent('r1'), started('r1')]);
      for (let index = 0; index < 150; index += 1) await store.append(session, [delta('r1', index)]);
      await store.append(session, Array.from({ length: 50 }, (_, index) => delta('r1', 150 + index)));
      // Larger than one Ably message (64 KiB): travels as slices and is joined by offset.
      await store.append(session, [completed('r1', 'é🙂"\\'.repeat(30_000))]);
      await store.append(session, [{ type: 'run.completed', runId: 'r1', deliverableIds: [] }]);
      await transport.flush(session);

      const stored = await store.read(session, 0);
      await vi.waitFor(() => expect(collected.records.length).toBe(stored.length), { timeout: 20_000, interval: 20 });
      expect(collected.records.map((record) => record.offset)).toEqual(stored.map((record) => record.offset));
      expect(collected.records).toEqual(stored);
    });

    it('coalesces records stored within the window into few messages, under the rate limit', async () => {
      const { harness, store, transport, session, names } = await setup();
      await transport.openSession(session);
      for (let index = 0; index < 300; index += 1) await store.append(session, [delta('r1', index)]);
      await transport.flush(session);
      const stats = transport.stats(session);
      expect(stats?.recordsPublished).toBe(300);
      // One append is one record here, so without coalescing this would be 300 messages.
      expect(stats?.messagesPublished).toBeLessThan(300 / 4);
      if (harness.messageCount) expect(harness.messageCount(names.log)).toBe(stats?.messagesPublished);
      if (harness.refusals) expect(harness.refusals()).toEqual([]);
    });

    it('refuses a publish on the control channel from a viewer token, and on it from a write-only token', async () => {
      const { store, transport, session, names, browser } = await setup();
      await transport.openSession(session);
      const frame = { type: 'cancel', session, clientMsgId: 'c-1', runId: 'r1' };
      const viewer = await browser('viewer-1', ['read']);
      await expect(viewer.channels.get(names.control).publish({ name: 'cancel', data: frame })).rejects.toMatchObject({ code: 40160 });
      await expect(viewer.channels.get(names.input).publish({ name: 'publish', data: frame })).rejects.toMatchObject({ code: 40160 });
      const writer = await browser('writer-1', ['read', 'write']);
      await expect(writer.channels.get(names.control).publish({ name: 'cancel', data: frame })).rejects.toMatchObject({ code: 40160 });
      await transport.idle(session);
      expect((await store.head(session)).offset).toBe(0);
    });

    it('stores a cancel sent through Ably once, with the actor from the token, and acknowledges a retry as a duplicate', async () => {
      const { store, transport, session, names, browser } = await setup();
      await transport.openSession(session);
      await store.append(session, [briefEvent('r1')]);
      const controller = await browser('user-7', ['read', 'control']);
      const collected = recordCollector();
      const log = controller.channels.get(names.log);
      await log.subscribe(collected.listener);
      const control = controller.channels.get(names.control);
      // The same client message twice (a retry after a lost ack); the body's forged actor is ignored.
      const frame = { type: 'publish', session, clientMsgId: 'cancel-1', event: { type: 'cancel.requested', runId: 'r1', by: { kind: 'human', id: 'someone-else' } } };
      await control.publish({ name: 'publish', data: frame });
      await control.publish({ name: 'publish', data: frame });

      await vi.waitFor(() => expect(collected.replies).toHaveLength(2), { timeout: 20_000, interval: 20 });
      const cancels = (await store.read(session, 0)).filter((record) => record.event.type === 'cancel.requested');
      expect(cancels).toHaveLength(1);
      expect(cancels[0]?.event).toMatchObject({ type: 'cancel.requested', runId: 'r1', by: { kind: 'human', id: 'user-7' } });
      expect(collected.replies).toEqual([
        { type: 'ack', session, clientMsgId: 'cancel-1', offset: cancels[0]?.offset, duplicate: false },
        { type: 'ack', session, clientMsgId: 'cancel-1', offset: cancels[0]?.offset, duplicate: true },
      ]);
      await vi.waitFor(() => expect(collected.records.map((record) => record.offset)).toEqual([1, 2]), { timeout: 20_000, interval: 20 });
    });

    it('answers a malformed client message with an error naming the field, storing nothing', async () => {
      const { store, transport, session, names, browser } = await setup();
      await transport.openSession(session);
      const writer = await browser('writer-1', ['read', 'write']);
      const collected = recordCollector();
      await writer.channels.get(names.log).subscribe(collected.listener);
      await writer.channels.get(names.input).publish({ name: 'publish', data: { type: 'publish', session, clientMsgId: 'bad-1', event: { type: 'brief.submitted', runId: 'r 1' } } });
      await writer.channels.get(names.input).publish({ name: 'publish', data: { type: 'cancel', session, clientMsgId: 'bad-2', runId: 'r1' } });
      await vi.waitFor(() => expect(collected.replies).toHaveLength(2), { timeout: 20_000, interval: 20 });
      expect(collected.replies[0]).toMatchObject({ type: 'error', code: 'bad_frame', clientMsgId: 'bad-1', field: 'event.runId' });
      expect(collected.replies[1]).toMatchObject({ type: 'error', code: 'forbidden', clientMsgId: 'bad-2', field: 'event.type' });
      expect((await store.head(session)).offset).toBe(0);
    });

    it('runs a brief published through Ably and stops it with a cancel through Ably (the hub path)', async () => {
      const store = new MemoryStore();
      cleanups.push(() => store.close());
      const hub = new SessionHub({ store, launcher: createScriptedProducer({ deltas: 1_000_000, deltasPerSecond: 100 }) });
      cleanups.push(() => hub.close());
      const { transport, session, names, browser } = await setup({ store, hub });
      await transport.openSession(session);
      const client = await browser('user-9', ['read', 'write', 'control']);
      const collected = recordCollector();
      await client.channels.get(names.log).subscribe(collected.listener);
      const brief = { type: 'brief.submitted', runId: 'run-1', brief: { goal: 'Grow the newsletter' } };
      await client.channels.get(names.input).publish({ name: 'publish', data: { type: 'publish', session, clientMsgId: 'b-1', event: brief } });
      await vi.waitFor(() => expect(collected.records.some((record) => record.event.type === 'text.delta')).toBe(true), { timeout: 20_000, interval: 20 });
      await client.channels.get(names.control).publish({ name: 'cancel', data: { type: 'cancel', session, clientMsgId: 'x-1', runId: 'run-1' } });
      await vi.waitFor(() => expect(collected.records.some((record) => record.event.type === 'run.cancelled')).toBe(true), { timeout: 20_000, interval: 20 });
      const records = await store.read(session, 0);
      expect(records[0]?.event).toMatchObject({ type: 'brief.submitted', by: { kind: 'human', id: 'user-9' } });
      const cancelled = records.findIndex((record) => record.event.type === 'run.cancelled');
      expect(records.slice(cancelled + 1).some((record) => record.event.type === 'text.delta')).toBe(false);
      await vi.waitFor(
        () => expect(collected.replies).toContainEqual(expect.objectContaining({ type: 'ack', clientMsgId: 'x-1', duplicate: false })),
        { timeout: 20_000, interval: 20 },
      );
    });

    it('a session client over Ably: late join by snapshot, resume within two minutes from Ably, recovery after lost continuity', async () => {
      const store = new MemoryStore();
      cleanups.push(() => store.close());
      const hub = new SessionHub({ store });
      cleanups.push(() => hub.close());
      const { harness, transport, session, tokens } = await setup({ store, hub });
      const base = 'http://server.test/mt';
      // The routes run in-process: the same Request -> Response handlers a host mounts at `<base>/ably`.
      const fetchVia = (path: string) => async (input: string | URL | Request, init?: RequestInit) =>
        transport.route(new Request(input, init), path);
      const browsers: HarnessBrowserClient[] = [];
      const Socket = createAblySessionSocket({
        ably: (name, auth) => {
          const client = harness.browser(ablyAuthCallback({ baseUrl: base, session: name, getToken: auth.getToken, fetch: fetchVia('/token') }));
          browsers.push(client);
          cleanups.push(() => client.close());
          return client;
        },
        recover: fetchAblyRecovery({ baseUrl: base, fetch: fetchVia('/recover') }),
        historyPageSize: 5,
        maxHistoryPages: 2,
      });

      // Earlier traffic, one Ably message per append: more than the client reads from history.
      await transport.openSession(session);
      await store.append(session, [briefEvent('r1'), started('r1')]);
      for (let index = 0; index < 30; index += 1) {
        await store.append(session, [delta('r1', index)]);
        await transport.flush(session);
      }

      // A minimal session client: it checks every batch follows what it holds, and reduces.
      let state: SessionState = createSessionState();
      let applied = 0;
      let snapshots = 0;
      const violations: string[] = [];
      const socket = new Socket(`${base}/ws`);
      socket.onmessage = ({ data }) => {
        const frame = ServerFrameSchema.parse(JSON.parse(String(data)));
        if (frame.type === 'snapshot') {
          snapshots += 1;
          state = frame.state;
          applied = frame.offset;
        } else if (frame.type === 'events') {
          if (frame.batch[0]?.offset !== applied + 1) violations.push(`batch at ${frame.batch[0]?.offset} after ${applied}`);
          state = applyRecords(state, frame.batch);
          applied = frame.batch[frame.batch.length - 1]?.offset ?? applied;
        } else if (frame.type === 'error') {
          violations.push(`error ${frame.code}: ${frame.message}`);
        }
      };
      await new Promise<void>((resolve) => (socket.onopen = () => resolve()));
      socket.send(JSON.stringify({ type: 'hello', protocol: 1, clientId: 'tab-1' }));
      const token = await tokens.mint({ session, userId: 'viewer-1', capabilities: ['read'], ttlSeconds: 600 });
      socket.send(JSON.stringify({ type: 'subscribe', session, token }));

      const caughtUp = async () => {
        await transport.flush(session);
        const head = (await store.head(session)).offset;
        await vi.waitFor(() => expect(applied).toBe(head), { timeout: 20_000, interval: 20 });
      };
      await caughtUp();
      expect(snapshots).toBe(1); // the late joiner got the reduced state, not the whole log
      expect(socket.sessions[0]?.recoveries).toBe(1);

      // Live tail.
      for (let index = 30; index < 50; index += 1) await store.append(session, [delta('r1', index)]);
      await caughtUp();

      const network = harness.network;
      const browserClient = browsers[0];
      if (network && browserClient) {
        // Short disconnection: Ably resumes and replays; the server is not asked.
        network.disconnect(browserClient);
        for (let index = 50; index < 60; index += 1) await store.append(session, [delta('r1', index)]);
        await transport.flush(session);
        network.reconnect(browserClient, 10_000);
        await caughtUp();
        expect(socket.sessions[0]?.recoveries).toBe(1);

        // Long disconnection: continuity lost (`resumed: false`) and history expired; the server fills the gap.
        network.disconnect(browserClient);
        for (let index = 60; index < 90; index += 1) {
          await store.append(session, [delta('r1', index)]);
          await transport.flush(session);
        }
        network.reconnect(browserClient, 180_000);
        await caughtUp();
        expect(socket.sessions[0]?.recoveries).toBe(2);
      }

      await store.append(session, [completed('r1', 'done'), { type: 'run.completed', runId: 'r1', deliverableIds: [] }]);
      await caughtUp();
      expect(violations).toEqual([]);
      const everything = await store.read(session, 0);
      expect(state).toEqual(applyRecords(createSessionState(), everything));
      socket.close();
    });
  });
}
