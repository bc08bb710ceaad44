/**
 * The heartbeat of one generation, kept in memory beside the log rather than in it: every model
 * chunk (or provider retry) is a beat that only moves a timestamp; one timer, re-armed lazily,
 * notices when no beat came for `windowMs` and reports the stall once, then the first beat after
 * it. A provider's announced retry wait extends the window, so a backoff never counts as a stall.
 */
export class StallWatch {
  #last = Date.now();
  #allowance = 0;
  #stalledAt: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly windowMs: number,
    private readonly onStall: (sinceMs: number) => void,
    private readonly onResume: (stalledMs: number) => void,
  ) {
    this.#arm(windowMs);
  }

  /** Progress: a chunk arrived; `waitMs` is silence the provider announced (a retry's backoff). */
  beat(waitMs = 0): void {
    if (this.#stopped) return;
    this.#last = Date.now();
    this.#allowance = waitMs;
    if (this.#stalledAt === undefined) return;
    const stalledMs = this.#last - this.#stalledAt;
    this.#stalledAt = undefined;
    this.onResume(stalledMs);
    this.#arm(this.windowMs + waitMs);
  }

  /** The generation ended: no more reports. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #arm(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#check(), delayMs);
    this.#timer.unref?.();
  }

  #check(): void {
    if (this.#stopped || this.#stalledAt !== undefined) return;
    const now = Date.now();
    const due = this.#last + this.#allowance + this.windowMs;
    // Beats only move the timestamp; the timer catches up with them here.
    if (now < due) return this.#arm(due - now);
    this.#stalledAt = now;
    this.onStall(now - this.#last);
  }
}
