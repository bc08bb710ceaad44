import { afterEach, describe, expect, it } from 'vitest';
import type { ServerFrame } from '@marketing-team/core';
import { MemoryStore } from '../src/stores/memory-store.js';
import { RawClient, startServer, type RunningServer } from './_harness.js';

type Viewers = Extract<ServerFrame, { type: 'presence' }>['viewers'];

describe('device attention in presence', () => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it("tells the other devices which one is focused, coalesced, and moves activeAt only when a device becomes focused", async () => {
    running = await startServer(new MemoryStore(), { presenceIntervalMs: 20 });
    const session = 'attention-1';
    const token = await running.token(session, ['read', 'write', 'control', 'presence']);
    const desktop = await RawClient.connect(running.wsUrl, { clientId: 'desk' });
    const phone = await RawClient.connect(running.wsUrl, { clientId: 'phone' });
    desktop.send({ type: 'attention', device: 'desktop', focused: true, visible: true });
    for (const client of [desktop, phone]) {
      client.send({ type: 'subscribe', session, token });
      await client.next((frame) => frame.type === 'subscribed');
    }
    // Whoever joined first hears of the other; the latest view of each viewer is what counts.
    const viewers = new Map<string, Viewers[number]>();
    phone.onFrame = (frame) => {
      if (frame.type === 'presence') for (const viewer of frame.viewers) viewers.set(viewer.clientId, viewer);
      if (frame.type === 'presence.changed') for (const viewer of frame.joined) viewers.set(viewer.clientId, viewer);
    };
    for (const frame of phone.frames) phone.onFrame(frame);
    const waitFor = async (check: () => boolean) => {
      for (let attempt = 0; attempt < 300 && !check(); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(check()).toBe(true);
    };
    await waitFor(() => viewers.get('desk')?.focused === true);
    const first = viewers.get('desk')!;
    expect(first).toMatchObject({ device: 'desktop', focused: true, visible: true });
    expect(typeof first.activeAt).toBe('number');

    // The desktop loses focus, then the phone takes it: the desktop keeps when it was last used.
    desktop.send({ type: 'attention', device: 'desktop', focused: false, visible: true });
    phone.send({ type: 'attention', device: 'phone', focused: true, visible: true });
    await waitFor(() => viewers.get('desk')?.focused === false && viewers.get('phone')?.focused === true);
    expect(viewers.get('desk')!.activeAt).toBe(first.activeAt);
    expect(viewers.get('phone')).toMatchObject({ device: 'phone', visible: true });
    expect(viewers.get('phone')!.activeAt!).toBeGreaterThanOrEqual(first.activeAt!);

    // An invalid attention frame is refused, naming the field.
    const refusal = phone.next((frame) => frame.type === 'error');
    phone.send({ type: 'attention', device: '', focused: true, visible: true });
    expect(await refusal).toMatchObject({ code: 'bad_frame', field: 'device' });
    desktop.close();
    phone.close();
  });
});
