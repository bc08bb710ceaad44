import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as Ably from 'ably';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionClient, applyRecords, createSessionState, listMessages, type SessionClientError } from '@marketing-team/core';
import { createMarketingTeamServer } from '../../../http/create-server.js';
import { createNodeListener } from '../../../http/node.js';
import { createScriptedProducer } from '../../../runtime/scripted-producer.js';
import { MemoryStore } from '../../../stores/memory-store.js';
import { AblyStandIn, type StandInClient } from '../ably-stand-in.js';
import { createAblyTransport } from '../ably-transport.js';
import { ablyAuthCallback } from './ably-auth-callback.js';
import { fetchAblyRecovery, type AblyRecoveryRequest } from './ably-recovery.js';
import { createAblySessionSocket } from './ably-session-socket.js';

const KEY = 'clientapp.key0001:Y2xpZW50LXNlY3JldC1mb3ItdGhlLXN0YW5kLWlu';
const wait = { timeout: 20_000, interval: 20 };

describe("core's SessionClient over Ably (stand-in service)", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup() {
    const standIn = new AblyStandIn({ key: KEY });
    cleanups.push(() => standIn.close());
    const store = new MemoryStore();
    cleanups.push(() => store.close());
    const server = createMarketingTeamServer({
      store,
      tokens: { secret: 'client-test-secret-of-32-characters!' },
      launcher: createScriptedProducer({ deltas: 1_000_000, deltasPerSecond: 200 }),
      allowedOrigins: '*',
      basePath: '/mt',
      onError: () => undefined,
    });
    cleanups.push(() => server.close());
    const tokens = server.tokens;
    const transport = createAblyTransport({ ably: standIn.keyClient(new Ably.Rest({ key: KEY }).auth), store, hub: server.hub, tokens });
    cleanups.push(() => transport.close());
    server.route('/ably', transport.route);
    // The token and recovery routes are served over a real HTTP socket, as a host would mount them.
    const http = createServer(createNodeListener(server));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          http.closeAllConnections();
          http.close(() => resolve());
        }),
    );
    const BASE = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mt`;
    const browsers: StandInClient[] = [];
    const recoveryRequests: AblyRecoveryRequest[] = [];
    const fetchRecovery = fetchAblyRecovery({ baseUrl: BASE });
    const Socket = createAblySessionSocket({
      ably: (session, auth) => {
        const client = standIn.realtime({ authCallback: ablyAuthCallback({ baseUrl: BASE, session, getToken: auth.getToken }) });
        browsers.push(client);
        return client;
      },
      recover: (request) => {
        recoveryRequests.push(request);
        return fetchRecovery(request);
      },
    });
    const connect = (userId: string, session: string, capabilities: Array<'read' | 'write' | 'control'>) => {
      const errors: SessionClientError[] = [];
      const client = new SessionClient({ url: `${BASE}/ws`, WebSocket: Socket, onError: (error) => errors.push(error) });
      cleanups.push(() => client.close());
      const handle = client.session(session, { getToken: () => tokens.mint({ session, userId, capabilities, ttlSeconds: 600 }) });
      return { client, handle, errors };
    };
    return { store, transport, browsers, recoveryRequests, connect };
  }

  it('submits, streams, refuses a viewer cancel, recovers after lost continuity, cancels, and ends with the exact state', async () => {
    const { store, transport, browsers, recoveryRequests, connect } = await setup();
    const session = 'client-session-1';
    const owner = connect('owner-1', session, ['read', 'write', 'control']);
    const { runId } = await owner.handle.submitBrief({ goal: 'Announce the autumn range' });
    const viewer = connect('viewer-1', session, ['read']);
    await vi.waitFor(() => expect(listMessages(viewer.handle.getState())[0]?.text.length ?? 0).toBeGreaterThan(0), wait);
    await expect(viewer.handle.cancel(runId)).rejects.toMatchObject({ code: 'forbidden' });

    // The owner's device drops off for three minutes: Ably cannot resume, history has expired.
    const ownerAbly = browsers[0] as StandInClient;
    const before = owner.handle.getState().offset;
    ownerAbly.disconnect();
    await vi.waitFor(async () => expect((await store.head(session)).offset).toBeGreaterThan(before + 20), wait);
    // Cancel while offline: the publish waits for the connection, fails when it comes back
    // suspended, and is sent again once the channel reattaches.
    const cancelling = owner.handle.cancel(runId, undefined, 'enough for today');
    const recoveries = recoveryRequests.length;
    ownerAbly.reconnect(180_000);
    await vi.waitFor(async () => expect(owner.handle.getState().offset).toBeGreaterThan(before + 20), wait);
    // The gap was filled by the server: Ably's history no longer held it.
    expect(recoveryRequests.slice(recoveries)).toContainEqual(expect.objectContaining({ session, from: expect.any(Number) }));

    const ack = await cancelling;
    expect(ack.duplicate).toBe(false);
    await vi.waitFor(() => expect(owner.handle.getState().runs[runId]?.status).toBe('cancelled'), wait);
    await vi.waitFor(() => expect(viewer.handle.getState().runs[runId]?.status).toBe('cancelled'), wait);

    await transport.flush(session);
    const head = (await store.head(session)).offset;
    await vi.waitFor(() => expect(owner.handle.getState().offset).toBe(head), wait);
    await vi.waitFor(() => expect(viewer.handle.getState().offset).toBe(head), wait);
    const expected = applyRecords(createSessionState(), await store.read(session, 0));
    expect(owner.handle.getState()).toEqual(expected);
    expect(viewer.handle.getState()).toEqual(expected);
    expect(expected.runs[runId]?.cancelledBy).toMatchObject({ kind: 'human', id: 'owner-1' });
    expect(owner.errors).toEqual([]);
  });
});
