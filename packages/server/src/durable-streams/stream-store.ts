/**
 * Storage for generic Durable Streams (streams created through the protocol).
 *
 * Why beside `SessionStore` rather than inside it: a session log stores validated
 * `SessionEvent`s with fences and snapshots, while a generic stream stores arbitrary bytes under
 * a content type, with stream metadata (TTL, expiry, closed flag, fork lineage) and idempotent
 * producer state that must commit atomically with the bytes. None of that fits the session
 * contract without weakening it, so generic streams get this small store of their own.
 *
 * The store is deliberately dumb: it persists what the protocol layer decided, atomically, and
 * never interprets it. All protocol rules live in one place (the handler's stream engine), so
 * every implementation behaves the same.
 */

/** The producer tuple that closed a stream, so a retried close is recognised. */
export interface StreamCloser {
  producerId: string;
  epoch: number;
  seq: number;
}

/** Everything known about a generic stream except its messages. */
export interface StreamMetadata {
  /** The stream's path below the handler's base path (for example `/v1/stream/orders`). */
  path: string;
  /** Content type given at creation (kept as sent; compared case-insensitively without parameters). */
  contentType: string;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  /** Last read or append (milliseconds); a `ttlSeconds` stream expires this long after it. */
  lastAccessedAt: number;
  /** Sliding time-to-live in seconds, renewed by reads and appends. */
  ttlSeconds?: number;
  /** Absolute expiry as the RFC 3339 text the creator sent. */
  expiresAt?: string;
  /** Integer offset of the newest message (0 when empty; a fork starts at its fork offset). */
  tail: number;
  /** No append is accepted once closed; permanent. */
  closed: boolean;
  closedBy?: StreamCloser;
  /** Last accepted `Stream-Seq` (compared byte-wise). */
  lastStreamSeq?: string;
  /** Source stream path when this stream is a fork. */
  forkedFrom?: string;
  /** Integer offset in the source where this fork diverges. */
  forkOffset?: number;
  /** Sub-offset the fork was created with (0 when absent), kept for idempotent re-creation. */
  forkSubOffset?: number;
  /** How many forks read through this stream. */
  referenceCount: number;
  /** Deleted or expired while forks still read through it: invisible, but its data is kept. */
  softDeleted: boolean;
  /**
   * Bytes of the stream's own messages, for the `maxStreamBytes` quota. Absent on streams stored
   * before it was kept: they are counted from their next append.
   */
  storedBytes?: number;
}

/** Idempotent-producer state of one producer id on one stream. */
export interface ProducerState {
  epoch: number;
  lastSeq: number;
  /** Milliseconds since the Unix epoch. */
  updatedAt: number;
}

/** One stored append (a batch): its integer offset and its bytes. */
export interface StoredStreamMessage {
  offset: number;
  data: Uint8Array;
}

/** A set of writes the store applies atomically, in this order: remove, put, append, producer. */
export interface StreamChange {
  /** Streams to remove with their messages and producer state. */
  remove?: string[];
  /** Metadata to insert or replace. */
  put?: StreamMetadata[];
  /** Messages to append to one stream (offsets already assigned by the caller). */
  append?: { path: string; messages: StoredStreamMessage[] };
  /** Producer state to insert or replace. */
  producer?: { path: string; producerId: string; state: ProducerState };
}

/** Persistent storage of generic streams; implementations: memory and SQLite. */
export interface StreamStore {
  /** The stream's metadata, including soft-deleted and expired ones (the caller judges). */
  getStream(path: string): Promise<StreamMetadata | undefined>;
  getProducer(path: string, producerId: string): Promise<ProducerState | undefined>;
  /** Applies the change atomically and resolves once it is durable. */
  commit(change: StreamChange): Promise<void>;
  /**
   * The stream's own messages with `after < offset <= upTo`, oldest first, stopping once
   * `maxBytes` is reached (at least one message is returned when any is in range).
   */
  readMessages(path: string, after: number, upTo: number, maxBytes: number): Promise<StoredStreamMessage[]>;
  /** Records a read or append time without rewriting the metadata. */
  touch(path: string, at: number): Promise<void>;
  /**
   * Paths of the streams that can expire (a TTL or an absolute expiry) and are not soft-deleted:
   * what a sweep looks at. Without it, expired streams are removed only when next touched.
   */
  expiringStreams?(): Promise<string[]>;
  /** How many streams are stored, soft-deleted ones included; without it `maxStreams` is not enforced. */
  countStreams?(): Promise<number>;
  close(): Promise<void>;
}
