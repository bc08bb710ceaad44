/** A token bucket: `capacity` tokens, refilled at `perSecond`. */
export class TokenBucket {
  #tokens: number;
  #updated = Date.now();

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
  ) {
    this.#tokens = capacity;
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const now = Date.now();
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#updated) / 1000) * this.perSecond);
    this.#updated = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
