/**
 * Tokens whose signature and claims were verified, keyed by the whole token string, so a token
 * presented again (every resume of a client, every SSE reconnect) skips the HMAC and the claim
 * parsing. Only what can change with time is checked again: an entry is used up to the last
 * second its token is valid and dropped after. Revocation is not cached here: callers check it on
 * every use. Bounded: past `capacity` the least recently used entry goes.
 */
export class VerifiedTokens<T> {
  readonly #entries = new Map<string, { value: T; lastValidSecond: number }>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** What `token` was verified to be, while `nowSecond` (seconds since the epoch) is within its validity. */
  get(token: string, nowSecond: number): T | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    this.#entries.delete(token);
    if (nowSecond > entry.lastValidSecond) return undefined;
    // Re-inserted: the Map's order is the recency order.
    this.#entries.set(token, entry);
    return entry.value;
  }

  /** Remembers a verified token until `lastValidSecond`, the last second it is accepted. */
  set(token: string, value: T, lastValidSecond: number): void {
    if (this.#capacity <= 0) return;
    this.#entries.delete(token);
    if (this.#entries.size >= this.#capacity) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(token, { value, lastValidSecond });
  }

  get size(): number {
    return this.#entries.size;
  }
}
