// The retry loop every SDK-backed provider shares; free of any SDK, so each provider entry point
// loads only its own. A provider says how its SDK's errors read (the policy) and how one attempt
// streams; this decides when to try again, how long to wait, and what the caller hears.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelStreamEvent } from '@marketing-team/core';
import { abortError, isAbortError, throwIfAborted } from './_abort.js';
import { backoffDelayMs, type RetrySettings } from './_backoff.js';
import { ModelError } from './model-error.js';

/** How one SDK's errors read. */
export interface RetryPolicy {
  readonly settings: RetrySettings;
  /** Whether the failure is worth another attempt (overload, rate limit, server or connection error). */
  isRetryable(error: unknown): boolean;
  /** The wait the server asked for (`retry-after-ms` / `retry-after`), in milliseconds. */
  retryAfterMs(error: unknown): number | undefined;
  /** A short human-readable reason for the `retry` event. */
  reason(error: unknown): string;
  /** The typed error a final failure rejects with. */
  toModelError(error: unknown): ModelError;
}

/** One call to the model. */
export interface ModelAttempt {
  /** The call's events as they stream. */
  readonly events: AsyncIterable<ModelStreamEvent>;
  /** What closes the attempt (its `usage`), once its stream ended (`complete`) or broke off. */
  closing(complete: boolean): ModelStreamEvent[];
}

/**
 * Streams `attempt()` until one call completes: a retryable failure is announced by a `retry`
 * event and tried again after the server's `retry-after` or an exponential backoff with jitter,
 * up to `maxRetries` times; a wait longer than `maxDelayMs` fails at once. The signal cancels the
 * call and any wait, and the stream then rejects with an `AbortError`; any other final failure
 * rejects with the policy's `ModelError`.
 */
export async function* retriedStream(policy: RetryPolicy, signal: AbortSignal, attempt: () => ModelAttempt): AsyncGenerator<ModelStreamEvent> {
  const { settings } = policy;
  for (let attempts = 0; ; attempts++) {
    throwIfAborted(signal);
    const call = attempt();
    try {
      yield* call.events;
      // SDKs end iteration quietly when their request is aborted; an abort is still an abort.
      throwIfAborted(signal);
      yield* call.closing(true);
      return;
    } catch (error) {
      yield* call.closing(false);
      if (signal.aborted || isAbortError(error)) throw abortError(signal);
      if (!policy.isRetryable(error) || attempts >= settings.maxRetries) throw policy.toModelError(error);
      const delayMs = policy.retryAfterMs(error) ?? backoffDelayMs(attempts + 1, settings);
      if (delayMs > settings.maxDelayMs) {
        const { code, reason } = policy.toModelError(error);
        throw new ModelError(code, `the server asked to wait ${Math.ceil(delayMs / 1000)} s, longer than allowed`, {
          retryable: true,
          cause: error,
          ...(reason === undefined ? {} : { reason }),
        });
      }
      yield { type: 'retry', attempt: attempts + 1, delayMs, reason: policy.reason(error) };
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        throw abortError(signal);
      }
    }
  }
}
