import * as Ably from 'ably';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AblyChannelStateChange, AblyInboundMessage, AblyTokenParams } from './ably-client-types.js';
import { AblyStandIn } from './ably-stand-in.js';

const KEY = 'standin.key0001:c3RhbmQtaW4tb3duLXRlc3Qtc2VjcmV0';
const wait = { timeout: 5_000, interval: 5 };

// The stand-in replaces Ably in tests, so its documented behaviours are checked here.
describe('Ably stand-in', () => {
  const services: AblyStandIn[] = [];
  afterEach(() => {
    for (const service of services.splice(0)) service.close();
  });

  function setup(options: { maxPublishesPerSecond?: number } = {}) {
    const service = new AblyStandIn({ key: KEY, ...options });
    services.push(service);
    const server = service.keyClient(new Ably.Rest({ key: KEY }).auth);
    const browser = (capability: Record<string, string[]>, clientId = 'user-1') =>
      service.tokenClient(() => server.auth.createTokenRequest({ clientId, capability: JSON.stringify(capability) } satisfies AblyTokenParams));
    return { service, server, browser };
  }

  it('delivers in publish order and enforces capabilities per operation', async () => {
    const { server, browser } = setup();
    const viewer = await browser({ 'a:log': ['subscribe', 'history'] });
    const seen: unknown[] = [];
    await viewer.channels.get('a:log').subscribe((message) => seen.push(message.data));
    for (let index = 0; index < 20; index += 1) await server.channels.get('a:log').publish({ name: 'n', data: { index } });
    await vi.waitFor(() => expect(seen).toHaveLength(20), wait);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, index) => ({ index })));
    await expect(viewer.channels.get('a:log').publish({ name: 'n', data: { index: 1 } })).rejects.toMatchObject({ code: 40160 });
    await expect(viewer.channels.get('a:other').attach()).rejects.toMatchObject({ code: 40160 });
    const publisher = await browser({ 'a:*': ['publish'] }, 'user-2');
    await publisher.channels.get('a:in:x').publish({ name: 'n', data: 'hi' });
    const history = await server.channels.get('a:in:x').history();
    expect(history.items[0]).toMatchObject({ data: 'hi', clientId: 'user-2' });
  });

  it('refuses oversize messages (40009) and publishes over the channel rate (42913)', async () => {
    const { service, server } = setup({ maxPublishesPerSecond: 5 });
    await expect(server.channels.get('big').publish({ name: 'n', data: 'x'.repeat(64 * 1024) })).rejects.toMatchObject({ code: 40009 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => server.channels.get('fast').publish({ name: 'n', data: { index: 1 } })));
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(3);
    expect(service.refusals.map((refusal) => refusal.code)).toEqual([40009, 42913, 42913, 42913]);
  });

  it('rewinds on the first attach only, at most 100 messages', async () => {
    const { service, server } = setup({ maxPublishesPerSecond: 1000 });
    for (let index = 0; index < 150; index += 1) await server.channels.get('r').publish({ name: 'n', data: { index } });
    const client = await service.tokenClient(() => server.auth.createTokenRequest({ capability: '{"r":["subscribe"]}' }));
    const seen: number[] = [];
    await client.channels.get('r', { params: { rewind: '500' } }).subscribe((message) => seen.push((message.data as { index: number }).index));
    await vi.waitFor(() => expect(seen).toHaveLength(100), wait);
    expect(seen[0]).toBe(50);
  });

  it('answers history untilAttach only on an attached channel, backwards, up to the attach point', async () => {
    const { server, browser } = setup();
    const client = await browser({ h: ['subscribe', 'history'] });
    const channel = client.channels.get('h');
    await expect(channel.history({ untilAttach: true })).rejects.toMatchObject({ code: 40000 });
    for (let index = 0; index < 5; index += 1) await server.channels.get('h').publish({ name: 'n', data: { index } });
    await channel.attach();
    await expect(channel.history({ untilAttach: true, direction: 'forwards' })).rejects.toMatchObject({ code: 40000 });
    await server.channels.get('h').publish({ name: 'n', data: { index: 5 } });
    const first = await channel.history({ untilAttach: true, limit: 3 });
    expect(first.items.map((message) => (message.data as { index: number }).index)).toEqual([4, 3, 2]);
    const second = await first.next();
    expect(second?.items.map((message) => (message.data as { index: number }).index)).toEqual([1, 0]);
    expect(second?.hasNext()).toBe(false);
  });

  it('resumes a short disconnection with the missed messages, and loses continuity after two minutes', async () => {
    const { server, browser } = setup();
    const client = await browser({ c: ['subscribe', 'history'] });
    const channel = client.channels.get('c');
    const seen: number[] = [];
    const changes: AblyChannelStateChange[] = [];
    channel.on('attached', (change) => changes.push(change));
    await channel.subscribe((message: AblyInboundMessage) => seen.push((message.data as { index: number }).index));
    expect(changes).toEqual([{ current: 'attached', previous: 'attaching', resumed: false }]);

    client.disconnect();
    await server.channels.get('c').publish({ name: 'n', data: { index: 1 } });
    client.reconnect(30_000);
    await vi.waitFor(() => expect(seen).toEqual([1]), wait);
    expect(changes).toHaveLength(1); // resumed: no new attachment

    client.disconnect();
    await server.channels.get('c').publish({ name: 'n', data: { index: 2 } });
    client.reconnect(150_000);
    await vi.waitFor(() => expect(changes).toHaveLength(2), wait);
    expect(changes[1]).toMatchObject({ current: 'attached', resumed: false });
    await server.channels.get('c').publish({ name: 'n', data: { index: 3 } });
    await vi.waitFor(() => expect(seen).toEqual([1, 3]), wait);
    // History keeps two minutes: the message missed during the long outage has expired.
    expect((await channel.history()).items.map((message) => (message.data as { index: number }).index)).toEqual([3]);
  });

  it('verifies token requests: signature, single-use nonce, current timestamp', async () => {
    const { service, server } = setup();
    const request = await server.auth.createTokenRequest({ clientId: 'u', capability: '{"x":["subscribe"]}' });
    await expect(service.tokenClient(async () => ({ ...request, clientId: 'someone-else' }))).rejects.toMatchObject({ code: 40101 });
    await service.tokenClient(async () => request);
    await expect(service.tokenClient(async () => request)).rejects.toMatchObject({ code: 40101 }); // nonce reused
    const old = await new Ably.Rest({ key: KEY }).auth.createTokenRequest({ timestamp: Date.now() - 10 * 60_000 });
    await expect(service.tokenClient(async () => old)).rejects.toMatchObject({ code: 40104 });
  });
});
