import type { StoredStreamMessage, StreamMetadata } from './stream-store.js';

/**
 * One durable append as the stream's watchers hear it. A live reader whose last offset is just
 * before it lacks exactly this message, so it sends it without reading the store; and the bytes
 * it sends are made once and shared, so a hundred readers cost one formatting and a hundred
 * writes of the same buffer, not a hundred reads, JSON joins and encodings.
 */
export class LiveAppend {
  /** Made by the first reader: most appends have none. */
  #frames: Map<string, Uint8Array> | undefined;

  constructor(
    /** The stream as committed with this append (its tail is the message's offset). */
    readonly metadata: StreamMetadata,
    readonly message: StoredStreamMessage,
  ) {}

  /** True when a reader that has everything up to `after` needs this message and nothing else. */
  follows(after: number): boolean {
    return this.message.offset === after + 1 && this.metadata.tail === this.message.offset && !this.metadata.closed;
  }

  /** The bytes `make` returns for `key`, made on the first call and shared by every later one. */
  frame(key: string, make: () => Uint8Array): Uint8Array {
    this.#frames ??= new Map();
    let frame = this.#frames.get(key);
    if (!frame) {
      frame = make();
      this.#frames.set(key, frame);
    }
    return frame;
  }
}
