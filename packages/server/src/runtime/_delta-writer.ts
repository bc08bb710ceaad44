/**
 * Buffers the text chunks of one message and appends them as `text.delta` events: chunks that
 * arrive within `windowMs` of each other (or while the previous append is still being stored)
 * become one delta, so a fast model does not flood the log with one event per token.
 * Appends are strictly sequential, so deltas keep their order.
 */
export class DeltaWriter {
  #buffer = '';
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #error: unknown;
  #failed = false;

  constructor(
    private readonly write: (text: string) => Promise<void>,
    private readonly windowMs: number,
    private readonly maxChars: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Adds a chunk; it is appended within `windowMs`, or at once when the buffer is large. */
  push(text: string): void {
    if (this.#failed) return;
    this.#buffer += text;
    if (this.windowMs <= 0 || this.#buffer.length >= this.maxChars) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), this.windowMs);
  }

  /** Appends whatever is buffered and waits until every delta is stored; rethrows an append failure. */
  async drain(): Promise<void> {
    this.#flush();
    // A link may add another one (a buffer larger than one delta), so wait until the chain stops growing.
    for (let chain = this.#chain; ; chain = this.#chain) {
      await chain;
      if (chain === this.#chain) break;
    }
    if (this.#failed) throw this.#error;
  }

  /** Drops anything not yet appended (the stream was abandoned). */
  discard(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#buffer = '';
  }

  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#chain = this.#chain.then(async () => {
      // Take the buffer when this link runs, so chunks that arrived during the previous append join it.
      if (this.#failed || this.#buffer.length === 0) return;
      const text = this.#buffer.slice(0, this.maxChars);
      this.#buffer = this.#buffer.slice(text.length);
      try {
        await this.write(text);
      } catch (error) {
        this.#failed = true;
        this.#error = error;
        this.#buffer = '';
        this.onError(error);
        return;
      }
      if (this.#buffer.length > 0) this.#flush();
    });
  }
}
