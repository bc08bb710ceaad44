import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ZERO_STREAM_OFFSET, formatStreamOffset, isWellFormedStreamOffset, parseStreamOffset } from './stream-offset.js';

describe('stream offsets', () => {
  test('string order equals numeric order, and parsing inverts formatting', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (a, b) => {
        const [left, right] = [formatStreamOffset(a), formatStreamOffset(b)];
        expect(Math.sign(left.localeCompare(right, 'en', { numeric: false }))).toBe(Math.sign(a - b));
        expect(left < right).toBe(a < b);
        expect(parseStreamOffset(left)).toBe(a);
      }),
    );
  });

  test('offsets are URL-safe, never a sentinel, and 0 is the position before the first message', () => {
    expect(ZERO_STREAM_OFFSET).toBe('0000000000000000_0000000000000000');
    expect(formatStreamOffset(42)).toBe('0000000000000000_0000000000000042');
    expect(encodeURIComponent(formatStreamOffset(123))).toBe(formatStreamOffset(123));
    expect(isWellFormedStreamOffset('-1')).toBe(false);
    expect(isWellFormedStreamOffset('now')).toBe(false);
  });

  test('text this server never issued does not parse', () => {
    expect(parseStreamOffset('0000000000000001_0000000000000000')).toBeUndefined();
    expect(parseStreamOffset('9999999999999999_9999999999999999')).toBeUndefined();
    expect(parseStreamOffset('0000000000000000_00000000000000a1')).toBeUndefined();
    expect(parseStreamOffset('42')).toBeUndefined();
    expect(() => formatStreamOffset(-1)).toThrow(RangeError);
    expect(() => formatStreamOffset(1.5)).toThrow(RangeError);
  });
});
