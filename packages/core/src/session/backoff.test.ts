import { describe, expect, it } from 'vitest';
import { BackoffOptionsSchema, backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const options = { initialMs: 100, maxMs: 1_000, jitter: 1 };

  it('doubles the cap per attempt up to maxMs', () => {
    const top = (attempt: number) => backoffDelay(attempt, { ...options, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6, 50].map(top)).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('spreads full jitter over [0, cap]', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(200);
    expect(backoffDelay(3, options, () => 0.999)).toBeLessThanOrEqual(400);
    expect(backoffDelay(3, { ...options, jitter: 0.5 }, () => 0)).toBe(200);
  });

  it('validates options and names the field', () => {
    expect(BackoffOptionsSchema.parse({})).toEqual({ initialMs: 500, maxMs: 5_000, jitter: 1 });
    const result = BackoffOptionsSchema.safeParse({ initialMs: 2_000, maxMs: 1_000 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['maxMs']);
    expect(BackoffOptionsSchema.safeParse({ jitter: 2 }).error?.issues[0]?.path).toEqual(['jitter']);
  });
});
