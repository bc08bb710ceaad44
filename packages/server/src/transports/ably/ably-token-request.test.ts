import { createHmac } from 'node:crypto';
import * as Ably from 'ably';
import { afterEach, describe, expect, it } from 'vitest';
import { ProtocolError, type Capability } from '@marketing-team/core';
import { createTokenIssuer } from '../../auth/index.js';
import { MemoryStore } from '../../stores/memory-store.js';
import type { AblyServerClient, AblyTokenRequest } from './ably-client-types.js';
import { AblyStandIn, StandInErrorInfo } from './ably-stand-in.js';
import { createAblyTransport } from './ably-transport.js';

// A key in Ably's format (`<app id>.<key id>:<secret>`); it signs locally and never reaches Ably.
const KEY = 'testapp.keyid01:c2VjcmV0LXRoYXQtbmV2ZXItbGVhdmVzLXRoaXMtdGVzdA';
const [KEY_NAME, KEY_SECRET] = KEY.split(':') as [string, string];

/** The MAC as the token request specification defines it, computed independently of the SDK. */
function expectedMac(request: AblyTokenRequest): string {
  const text = `${request.keyName}\n${request.ttl ?? ''}\n${request.capability}\n${request.clientId ?? ''}\n${request.timestamp}\n${request.nonce}\n`;
  return createHmac('sha256', KEY_SECRET).update(text, 'utf8').digest('base64');
}

const grant = (capabilities: Capability[], expiresInSeconds = 600) => ({
  userId: 'user-1',
  capabilities,
  expiresAt: Math.floor(Date.now() / 1000) + expiresInSeconds,
});

describe('Ably token requests (signed by the real ably SDK, locally)', () => {
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  function realtimeTransport() {
    // autoConnect: false keeps the client offline; createTokenRequest needs no connection.
    const realtime = new Ably.Realtime({ key: KEY, autoConnect: false });
    closers.push(() => realtime.close());
    const transport = createAblyTransport({ ably: realtime, store: new MemoryStore(), openOnTokenRequest: false });
    closers.push(() => transport.close());
    return transport;
  }

  it('maps read, write, control and presence to capabilities on the session channels, with a valid HMAC', async () => {
    const transport = realtimeTransport();
    const before = Date.now();
    const request = await transport.createTokenRequest('s-1', grant(['read', 'write', 'control', 'presence']));
    expect(request.keyName).toBe(KEY_NAME);
    expect(request.clientId).toBe('user-1');
    expect(request.mac).toBe(expectedMac(request));
    // Canonical form: resources and operations in lexicographic order, no whitespace.
    expect(request.capability).toBe(
      '{"mt:control:s-1":["publish"],"mt:input:s-1":["publish"],"mt:session:s-1":["history","presence","subscribe"]}',
    );
    expect(request.ttl).toBeGreaterThan(590_000);
    expect(request.ttl).toBeLessThanOrEqual(600_000);
    expect(request.timestamp).toBeGreaterThanOrEqual(before);
    expect(request.nonce.length).toBeGreaterThanOrEqual(16);
  });

  it('gives a viewer no publish right anywhere, and control only to control', async () => {
    const transport = realtimeTransport();
    const viewer = await transport.createTokenRequest('s-1', grant(['read']));
    expect(JSON.parse(viewer.capability)).toEqual({ 'mt:session:s-1': ['history', 'subscribe'] });
    expect(viewer.mac).toBe(expectedMac(viewer));
    const controller = await transport.createTokenRequest('s-1', grant(['read', 'control', 'presence']));
    expect(JSON.parse(controller.capability)).toEqual({
      'mt:control:s-1': ['publish'],
      'mt:session:s-1': ['history', 'presence', 'subscribe'],
    });
  });

  it('never lets the token outlive the session token', async () => {
    const transport = realtimeTransport();
    const request = await transport.createTokenRequest('s-1', grant(['read'], 30));
    expect(request.ttl).toBeLessThanOrEqual(30_000);
    await expect(transport.createTokenRequest('s-1', grant(['read'], -5))).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('with a REST client (which cannot receive client messages) grants reading only', async () => {
    const rest = new Ably.Rest({ key: KEY });
    const transport = createAblyTransport({ ably: rest, store: new MemoryStore(), openOnTokenRequest: false });
    closers.push(() => transport.close());
    const request = await transport.createTokenRequest('s-2', grant(['read', 'write', 'control']));
    expect(JSON.parse(request.capability)).toEqual({ 'mt:session:s-2': ['history', 'subscribe'] });
    expect(request.mac).toBe(expectedMac(request));
    await expect(transport.createTokenRequest('s-2', grant(['control']))).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('names the field of bad input', async () => {
    const transport = realtimeTransport();
    await expect(transport.createTokenRequest('bad id', grant(['read']))).rejects.toMatchObject({ field: 'session' });
    await expect(transport.createTokenRequest('s-1', { ...grant(['read']), userId: 'a*b' })).rejects.toMatchObject({
      field: 'grant.userId',
    });
    expect(() => createAblyTransport({ ably: {} as AblyServerClient, store: new MemoryStore() })).toThrow(ProtocolError);
    expect(() => createAblyTransport({ ably: new Ably.Rest({ key: KEY }), store: new MemoryStore(), coalesceMs: -1 })).toThrow(
      /options\.coalesceMs/,
    );
  });

  it('serves token requests at the auth route to holders of a session token, which the service accepts', async () => {
    const tokens = createTokenIssuer({ secret: 'a-test-secret-of-at-least-32-characters!' });
    const standIn = new AblyStandIn({ key: KEY });
    const signer = new Ably.Rest({ key: KEY });
    const transport = createAblyTransport({ ably: standIn.keyClient(signer.auth), store: new MemoryStore(), tokens });
    closers.push(() => transport.close(), () => standIn.close());
    const route = (session: string, token?: string) =>
      transport.route(
        new Request(`http://localhost/mt/ably/token?session=${session}`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        }),
        '/token',
      );

    expect((await route('s-3')).status).toBe(401);
    const other = await tokens.mint({ session: 's-other', userId: 'user-2', capabilities: ['read'], ttlSeconds: 60 });
    expect((await route('s-3', other)).status).toBe(403);

    const token = await tokens.mint({ session: 's-3', userId: 'user-2', capabilities: ['read'], ttlSeconds: 60 });
    const response = await route('s-3', token);
    expect(response.status).toBe(200);
    const request = (await response.json()) as AblyTokenRequest;
    expect(request.clientId).toBe('user-2');
    const client = await standIn.tokenClient(async () => request);
    expect(client.clientId).toBe('user-2');

    // A capability edited after signing no longer matches the MAC: the service refuses it.
    const forged = { ...(await (await route('s-3', token)).json()) } as AblyTokenRequest;
    forged.capability = '{"mt:control:s-3":["publish"],"mt:session:s-3":["history","presence","subscribe"]}';
    await expect(standIn.tokenClient(async () => forged)).rejects.toBeInstanceOf(StandInErrorInfo);
  });
});
