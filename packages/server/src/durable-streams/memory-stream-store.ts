import type {
  ProducerState,
  StoredStreamMessage,
  StreamChange,
  StreamMetadata,
  StreamStore,
} from './stream-store.js';

interface MemoryStream {
  metadata: StreamMetadata;
  messages: StoredStreamMessage[];
  producers: Map<string, ProducerState>;
}

/** Keeps generic streams in process memory: for tests, demos and single-process setups. */
export class MemoryStreamStore implements StreamStore {
  readonly #streams = new Map<string, MemoryStream>();
  #closed = false;

  /** {@inheritDoc StreamStore.getStream} */
  async getStream(path: string): Promise<StreamMetadata | undefined> {
    const stream = this.#streams.get(path);
    return stream ? { ...stream.metadata } : undefined;
  }

  /** {@inheritDoc StreamStore.getProducer} */
  async getProducer(path: string, producerId: string): Promise<ProducerState | undefined> {
    const state = this.#streams.get(path)?.producers.get(producerId);
    return state ? { ...state } : undefined;
  }

  /** {@inheritDoc StreamStore.commit} */
  async commit(change: StreamChange): Promise<void> {
    this.#assertOpen();
    // Check everything before mutating anything, so a bad change leaves no partial write.
    if (change.append && !this.#streams.has(change.append.path) && !change.put?.some((m) => m.path === change.append?.path)) {
      throw new Error(`stream ${change.append.path} does not exist`);
    }
    for (const path of change.remove ?? []) this.#streams.delete(path);
    for (const metadata of change.put ?? []) {
      const existing = this.#streams.get(metadata.path);
      if (existing) existing.metadata = { ...metadata };
      else this.#streams.set(metadata.path, { metadata: { ...metadata }, messages: [], producers: new Map() });
    }
    if (change.append) {
      const stream = this.#streams.get(change.append.path)!;
      for (const message of change.append.messages) stream.messages.push({ offset: message.offset, data: message.data });
    }
    if (change.producer) {
      this.#streams.get(change.producer.path)?.producers.set(change.producer.producerId, { ...change.producer.state });
    }
  }

  /** {@inheritDoc StreamStore.expiringStreams} */
  async expiringStreams(): Promise<string[]> {
    return [...this.#streams.values()]
      .filter(({ metadata }) => !metadata.softDeleted && (metadata.ttlSeconds !== undefined || metadata.expiresAt !== undefined))
      .map(({ metadata }) => metadata.path);
  }

  /** {@inheritDoc StreamStore.countStreams} */
  async countStreams(): Promise<number> {
    return this.#streams.size;
  }

  /** {@inheritDoc StreamStore.readMessages} */
  async readMessages(path: string, after: number, upTo: number, maxBytes: number): Promise<StoredStreamMessage[]> {
    const messages = this.#streams.get(path)?.messages;
    if (!messages) return [];
    const result: StoredStreamMessage[] = [];
    let bytes = 0;
    for (let index = firstAfter(messages, after); index < messages.length; index++) {
      const message = messages[index]!;
      if (message.offset > upTo) break;
      if (result.length > 0 && bytes + message.data.length > maxBytes) break;
      result.push(message);
      bytes += message.data.length;
    }
    return result;
  }

  /** {@inheritDoc StreamStore.touch} */
  async touch(path: string, at: number): Promise<void> {
    const stream = this.#streams.get(path);
    if (stream) stream.metadata.lastAccessedAt = at;
  }

  /** Drops every stream; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#streams.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('MemoryStreamStore is closed');
  }
}

/** Index of the first message with offset > after (messages are sorted by offset). */
function firstAfter(messages: StoredStreamMessage[], after: number): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (messages[middle]!.offset <= after) low = middle + 1;
    else high = middle;
  }
  return low;
}
