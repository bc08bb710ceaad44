import * as Ably from 'ably';
import { describe, expect, it } from 'vitest';
import { isRealtimeChannel, type AblyBrowserClient, type AblyServerClient } from './ably-client-types.js';

describe('Ably client types', () => {
  it('fit the real SDK: Rest publishes, Realtime also subscribes', () => {
    const rest = new Ably.Rest({ key: 'types.key0001:c2VjcmV0' });
    const realtime = new Ably.Realtime({ key: 'types.key0001:c2VjcmV0', autoConnect: false });
    try {
      // Compile-time: both clients satisfy the structural interfaces the transport accepts.
      const server: AblyServerClient[] = [rest, realtime];
      const browser: AblyBrowserClient = realtime;
      expect(isRealtimeChannel(server[0]!.channels.get('a'))).toBe(false);
      expect(isRealtimeChannel(server[1]!.channels.get('a'))).toBe(true);
      expect(browser.channels.get('a').state).toBe('initialized');
    } finally {
      realtime.close();
    }
  });
});
