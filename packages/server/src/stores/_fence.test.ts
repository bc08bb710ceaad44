import { describe, expect, it } from 'vitest';
import { assertSessionId } from './_fence.js';

describe('assertSessionId', () => {
  it('refuses an invalid id however many valid ones it has remembered', () => {
    for (let index = 0; index < 5000; index++) assertSessionId(`session-${index}`);
    for (const id of ['', 'a b', '__proto__', '..', 'x'.repeat(129), 42, undefined]) {
      expect(() => assertSessionId(id)).toThrow(/session/);
      // Asked twice: a refusal is never remembered as a pass.
      expect(() => assertSessionId(id)).toThrow(/session/);
    }
    expect(() => assertSessionId('session-4999')).not.toThrow();
    expect(() => assertSessionId('session-1')).not.toThrow();
  });
});
