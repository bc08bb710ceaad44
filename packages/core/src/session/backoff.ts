import * as z from 'zod/mini';
// English messages before anything is parsed (see the file).
import '../protocol/_english-messages.js';

/** How reconnect delays grow: exponential from `initialMs`, capped at `maxMs`, randomised by `jitter`. */
export interface BackoffOptions {
  /** Delay cap of the first reconnect attempt, in milliseconds. */
  initialMs: number;
  /** Largest delay, in milliseconds. */
  maxMs: number;
  /** Fraction of the delay that is random: 1 is "full jitter" (anywhere in [0, cap]), 0 is none. */
  jitter: number;
}

/**
 * Defaults: 0.5 s doubling up to 5 s, full jitter. The low cap keeps the wait after a short
 * outage short (a 4 s server restart is followed by at most 5 s, not 5–13 s); the jitter still
 * spreads a crowd of clients over the cap.
 */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ initialMs: 500, maxMs: 5_000, jitter: 1 });

/** Schema of {@link BackoffOptions}; every field is optional and falls back to {@link DEFAULT_BACKOFF}. */
export const BackoffOptionsSchema = z
  .object({
    // zod numbers refuse Infinity and NaN already, so a delay is always finite.
    initialMs: z._default(z.number().check(z.positive(), z.maximum(3_600_000)), DEFAULT_BACKOFF.initialMs),
    maxMs: z._default(z.number().check(z.positive(), z.maximum(3_600_000)), DEFAULT_BACKOFF.maxMs),
    jitter: z._default(z.number().check(z.minimum(0), z.maximum(1)), DEFAULT_BACKOFF.jitter),
  })
  .check(z.refine((options) => options.maxMs >= options.initialMs, { message: 'maxMs must be at least initialMs', path: ['maxMs'] }));

/**
 * Delay before reconnect attempt `attempt` (1 for the first retry), with exponential growth and
 * jitter so that many clients dropped at once do not come back in lockstep.
 * `random` returns a number in [0, 1); injectable for tests.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const cap = Math.min(options.maxMs, options.initialMs * 2 ** exponent);
  const fixed = cap * (1 - options.jitter);
  return Math.round(fixed + random() * cap * options.jitter);
}
