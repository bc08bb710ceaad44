import { describe, expect, it } from 'vitest';
import { deviceInUse } from './device-in-use.js';

const viewer = (clientId: string, extra: Record<string, unknown> = {}) => ({ clientId, userId: 'u1', since: 1, ...extra });

describe('deviceInUse', () => {
  it('picks the focused device, then a visible one, then the one active most recently', () => {
    const phone = viewer('phone', { device: 'phone', focused: false, visible: false, activeAt: 500 });
    const desktop = viewer('desktop', { device: 'desktop', focused: true, visible: true, activeAt: 100 });
    const tablet = viewer('tablet', { device: 'tablet', focused: false, visible: true, activeAt: 300 });
    expect(deviceInUse([phone, desktop, tablet], 'u1')?.clientId).toBe('desktop');
    expect(deviceInUse([phone, tablet], 'u1')?.clientId).toBe('tablet');
    expect(deviceInUse([phone, viewer('laptop', { focused: false, visible: false, activeAt: 200 })], 'u1')?.clientId).toBe('phone');
  });

  it('answers alike on every device whatever the order, and ignores other people', () => {
    const a = viewer('a', { focused: true, visible: true, activeAt: 5 });
    const b = viewer('b', { focused: true, visible: true, activeAt: 5 });
    expect(deviceInUse([a, b], 'u1')?.clientId).toBe(deviceInUse([b, a], 'u1')?.clientId);
    expect(deviceInUse([{ ...a, userId: 'someone-else' }], 'u1')).toBeUndefined();
  });
});
