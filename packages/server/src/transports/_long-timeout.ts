/** The longest delay `setTimeout` takes; a longer one overflows and fires after 1 ms. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** A timer that may be cleared; {@link setLongTimeout} returns one. */
export interface LongTimeout {
  clear(): void;
}

/**
 * `setTimeout` for delays of any length (a token's expiry can be weeks away, past the 24.8 days
 * `setTimeout` holds): waits in steps no longer than the limit. The timer never keeps the
 * process alive.
 */
export function setLongTimeout(callback: () => void, delayMs: number): LongTimeout {
  const due = Date.now() + Math.max(0, delayMs);
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = due - Date.now();
    timer = setTimeout(left > MAX_DELAY_MS ? arm : callback, Math.min(Math.max(0, left), MAX_DELAY_MS));
    timer.unref();
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}
