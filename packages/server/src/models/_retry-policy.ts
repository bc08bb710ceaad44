import { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import { retryAfterFromHeaders } from './_backoff.js';
import { classifiedModelError, classifyFailure, internalModelError } from './_failure-classification.js';
import { ModelError } from './model-error.js';

export type { RetrySettings } from './_backoff.js';

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
    return classifiedModelError({ code, reason, retryable }, error.message, error, { status, requestId });
  }
  return internalModelError(error);
}
