// Retry timing shared by every provider; free of any SDK so each provider entry point loads only its own.

/** Backoff settings of a provider's retries. */
export interface RetrySettings {
  maxRetries: number;
  /** First backoff, doubled on each later attempt. */
  baseDelayMs: number;
  /** Largest backoff, and the largest `retry-after` honoured (a longer one fails the call). */
  maxDelayMs: number;
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

/** Exponential backoff with "full jitter" for retry number `attempt` (1-based), when the server asked for no wait. */
export function backoffDelayMs(attempt: number, settings: RetrySettings, random = Math.random): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  // Keep at least half the ceiling so a retry never fires immediately.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
