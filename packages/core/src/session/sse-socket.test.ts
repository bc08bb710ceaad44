import { describe, expect, it, vi } from 'vitest';
import { SseSocket } from './sse-socket.js';

describe('SseSocket', () => {
  it('closed before its transport is loaded: reports the close once and never reaches the server', async () => {
    const fetch = vi.fn(() => new Promise<Response>(() => undefined));
    const socket = new SseSocket('http://127.0.0.1:9/mt', { fetch });
    const closes: { code: number; reason: string }[] = [];
    socket.onclose = (event) => closes.push(event);
    expect(socket.readyState).toBe(0);
    expect(() => socket.send('{"type":"ping"}')).toThrow(/not open/);
    socket.close(4002, 'gone');
    socket.close(4002, 'gone');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closes).toEqual([{ code: 4002, reason: 'gone' }]);
    expect(socket.readyState).toBe(3);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('throws at once without a fetch to use', () => {
    const saved = globalThis.fetch;
    Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
    try {
      expect(() => new SseSocket('http://127.0.0.1:9/mt')).toThrow(/no global fetch/);
    } finally {
      globalThis.fetch = saved;
    }
  });
});
