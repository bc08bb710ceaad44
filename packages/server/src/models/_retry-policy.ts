import { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import { classifyFailure } from './_failure-classification.js';
import { ModelError } from './model-error.js';

/** Backoff settings of a provider's retries. */
export interface RetrySettings {
  maxRetries: number;
  /** First backoff, doubled on each later attempt. */
  baseDelayMs: number;
  /** Largest backoff, and the largest `retry-after` honoured (a longer one fails the call). */
  maxDelayMs: number;
}

/** Error types the Messages API sends (in bodies and mid-stream `error` events) that are worth retrying. */
const RETRYABLE_TYPES = new Set(['overloaded_error', 'rate_limit_error', 'api_error', 'timeout_error']);

/** Whether an SDK error is worth another attempt. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof APIConnectionError) return true;
  if (!(error instanceof APIError)) return false;
  const status = error.status;
  if (status === undefined) return error.type !== null && RETRYABLE_TYPES.has(error.type);
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The server's requested wait in milliseconds (`retry-after-ms`, then `retry-after` seconds or date). */
export function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof APIError)) return undefined;
  return retryAfterFromHeaders(error.headers);
}

/** `retry-after-ms`, then `retry-after` (seconds or an HTTP date), in milliseconds; any SDK's `Headers`. */
export function retryAfterFromHeaders(headers: { get(name: string): string | null } | null | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const header = headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number.parseFloat(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Milliseconds to wait before retry number `attempt` (1-based): the server's `retry-after` when
 * it sent one, otherwise exponential backoff with "full jitter" so that many clients hit by the
 * same overload do not come back in lockstep.
 */
export function retryDelayMs(error: unknown, attempt: number, settings: RetrySettings, random = Math.random): number {
  return retryAfterMs(error) ?? backoffDelayMs(attempt, settings, random);
}

/** Exponential backoff with "full jitter" for retry number `attempt` (1-based), when the server asked for no wait. */
export function backoffDelayMs(attempt: number, settings: RetrySettings, random = Math.random): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  // Keep at least half the ceiling so a retry never fires immediately.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** A short human-readable reason for a `retry` event. */
export function retryReason(error: unknown): string {
  if (error instanceof APIError) {
    if (error.status === undefined) return `stream error: ${error.type ?? 'unknown'}`;
    return `HTTP ${error.status}${error.type ? ` ${error.type}` : ''}`;
  }
  if (error instanceof APIConnectionError) return 'connection error';
  return error instanceof Error ? error.message : String(error);
}

/** Turns a final SDK failure into a typed `ModelError`. */
export function toModelError(error: unknown): ModelError {
  if (error instanceof ModelError) return error;
  if (error instanceof APIError) {
    const retryable = isRetryable(error);
    const status = typeof error.status === 'number' ? error.status : undefined;
    const requestId = error.requestID ?? undefined;
    const code =
      status === 429 || error.type === 'rate_limit_error'
        ? 'rate_limited'
        : status === 529 || error.type === 'overloaded_error'
          ? 'overloaded'
          : status === 408 ||
              error.type === 'timeout_error' ||
              (error instanceof APIConnectionError && /timed? ?out/i.test(error.message))
            ? 'timeout'
            : 'model_error';
    const reason =
      error instanceof APIConnectionError
        ? code === 'timeout'
          ? 'timeout'
          : 'connection'
        : classifyFailure({ ...(status === undefined ? {} : { status }), type: error.type, message: error.message }).reason;
    return new ModelError(code, error.message, {
      retryable,
      reason,
      cause: error,
      ...(status === undefined ? {} : { status }),
      ...(requestId === undefined ? {} : { requestId }),
    });
  }
  return new ModelError('internal', error instanceof Error ? error.message : String(error), { cause: error });
}
