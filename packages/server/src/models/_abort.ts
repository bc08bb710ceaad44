/** An `AbortError` (the DOM kind fetch uses) that keeps the signal's reason as its cause. */
export function abortError(signal?: AbortSignal): DOMException {
  const error = new DOMException('The model call was aborted', 'AbortError');
  if (signal?.reason !== undefined) Object.defineProperty(error, 'cause', { value: signal.reason });
  return error;
}

/** True for any error that means "aborted", whichever library threw it. */
export function isAbortError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name = (error as { name?: unknown }).name;
  return name === 'AbortError' || name === 'APIUserAbortError';
}

/** Throws an `AbortError` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal);
}
