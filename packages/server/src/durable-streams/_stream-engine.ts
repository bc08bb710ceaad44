import { AsyncMutex } from './_async-mutex.js';
import { jsonBatchFromBody, jsonValuesOfBatch } from './_json-batch.js';
import { LiveAppend } from './_live-append.js';
import { StreamHttpError } from './_stream-error.js';
import { formatStreamOffset } from './stream-offset.js';
import type { ProducerState, StoredStreamMessage, StreamChange, StreamMetadata, StreamStore } from './stream-store.js';

/** Producer state older than this is forgotten (the protocol's recommended 7 days). */
const PRODUCER_STATE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** `Application/JSON; charset=utf-8` -> `application/json`. */
export function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  // Every append compares two of these: no split, no array.
  const end = contentType.indexOf(';');
  return (end < 0 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
}

export function isJsonContentType(contentType: string | undefined): boolean {
  return mediaType(contentType) === 'application/json';
}

export type StreamLookup =
  | { kind: 'missing' }
  | { kind: 'gone'; metadata: StreamMetadata }
  | { kind: 'live'; metadata: StreamMetadata };

export interface CreateStreamRequest {
  /** Undefined when the request sent none (a fork then inherits the source's). */
  contentType: string | undefined;
  ttlSeconds: number | undefined;
  expiresAt: string | undefined;
  closed: boolean;
  body: Uint8Array;
  forkedFrom: string | undefined;
  forkOffset: number | undefined;
  forkSubOffset: number | undefined;
}

export interface ProducerHeaders {
  id: string;
  epoch: number;
  seq: number;
}

export interface AppendRequest {
  contentType: string | undefined;
  body: Uint8Array;
  close: boolean;
  streamSeq: string | undefined;
  producer: ProducerHeaders | undefined;
}

/** What the handler turns into a response: a status and protocol headers. */
export interface EngineOutcome {
  status: number;
  headers: Record<string, string>;
  metadata?: StreamMetadata;
}

type ProducerVerdict =
  | { status: 'accepted'; state: ProducerState }
  | { status: 'duplicate'; lastSeq: number }
  | { status: 'stale_epoch'; currentEpoch: number }
  | { status: 'invalid_epoch_seq' }
  | { status: 'sequence_gap'; expected: number; received: number };

/** Hears every change of a stream; an append that added a message comes with it. */
type Watcher = (append?: LiveAppend) => void;

/** Storage quotas of generic streams; refusals are typed HTTP errors naming the option. */
export interface StreamQuotas {
  /** Streams stored at once; a create past it is 507. */
  maxStreams: number;
  /** Bytes of one stream's own messages; an append past it is 413. */
  maxStreamBytes: number;
}

/**
 * The generic-stream half of the protocol: every rule about creating, appending, closing,
 * forking, expiring and deleting streams, over a {@link StreamStore} that only persists.
 * Mutations run one at a time (a mutex), so offsets, producer checks and fork reference counts
 * never race; reads run freely.
 */
export class StreamEngine {
  readonly #store: StreamStore;
  readonly #mutex = new AsyncMutex();
  readonly #watchers = new Map<string, Set<Watcher>>();
  readonly #now: () => number;
  readonly #quotas: StreamQuotas;

  constructor(store: StreamStore, quotas: StreamQuotas = { maxStreams: Infinity, maxStreamBytes: Infinity }, now: () => number = Date.now) {
    this.#store = store;
    this.#quotas = quotas;
    this.#now = now;
  }

  /**
   * Removes every stream that has expired (soft-deletes those forks still read), whether or not
   * anyone reads it again; returns how many it removed or hid. Needs `StreamStore.expiringStreams`.
   */
  async sweepExpired(): Promise<number> {
    const paths = (await this.#store.expiringStreams?.()) ?? [];
    let swept = 0;
    for (const path of paths) {
      const metadata = await this.#store.getStream(path);
      if (!metadata || metadata.softDeleted || !this.#isExpired(metadata)) continue;
      const found = await this.#mutex.run(() => this.#expire(path));
      if (found.kind !== 'live') swept += 1;
    }
    return swept;
  }

  /** Finds a stream, removing (or soft-deleting) it first if it has expired. */
  async lookup(path: string): Promise<StreamLookup> {
    const metadata = await this.#store.getStream(path);
    if (!metadata) return { kind: 'missing' };
    if (!metadata.softDeleted && this.#isExpired(metadata)) {
      return this.#mutex.run(() => this.#expire(path));
    }
    return metadata.softDeleted ? { kind: 'gone', metadata } : { kind: 'live', metadata };
  }

  /**
   * Renews a sliding TTL (reads and appends do; HEAD does not). Only streams with a TTL need
   * it, so the others skip the write.
   */
  async touch(metadata: StreamMetadata): Promise<void> {
    if (metadata.ttlSeconds === undefined) return;
    await this.#store.touch(metadata.path, this.#now());
  }

  /**
   * Calls `onChange` at every append, close or delete of the stream, once it is durable (an
   * append that added a message passes it). Register before reading, so a write between the read
   * and the wait is never missed.
   */
  watch(path: string, onChange: Watcher): () => void {
    let set = this.#watchers.get(path);
    if (!set) {
      set = new Set();
      this.#watchers.set(path, set);
    }
    const watcher: Watcher = (append) => onChange(append);
    set.add(watcher);
    return () => {
      const current = this.#watchers.get(path);
      current?.delete(watcher);
      if (current?.size === 0) this.#watchers.delete(path);
    };
  }

  /**
   * Messages with offset > `after` as the reader of `metadata` sees them (a fork reads through
   * its sources up to its fork offset), at most about `maxBytes`.
   */
  async read(metadata: StreamMetadata, after: number, maxBytes: number): Promise<StoredStreamMessage[]> {
    return this.#readChain(metadata, after, metadata.tail, maxBytes);
  }

  async create(path: string, request: CreateStreamRequest): Promise<EngineOutcome & { created: boolean }> {
    const outcome = await this.#mutex.run(() => this.#create(path, request));
    if (outcome.created) this.#notify(path);
    return outcome;
  }

  async append(path: string, request: AppendRequest): Promise<EngineOutcome> {
    const result = await this.#mutex.run(() => this.#append(path, request));
    if (result.changed) this.#notify(path, result.appended);
    return { status: result.status, headers: result.headers };
  }

  async delete(path: string): Promise<void> {
    await this.#mutex.run(async () => {
      const found = await this.#lookupLocked(path);
      if (found.kind === 'missing') throw new StreamHttpError(404, 'stream not found');
      if (found.kind === 'gone') throw new StreamHttpError(410, 'stream is gone');
      const change: StreamChange = { remove: [], put: [] };
      if (found.metadata.referenceCount > 0) {
        change.put!.push({ ...found.metadata, softDeleted: true });
      } else {
        await this.#removeWithCascade(found.metadata, change);
      }
      await this.#store.commit(change);
    });
    this.#notify(path);
  }

  // -- creation ------------------------------------------------------------------------------

  async #create(path: string, request: CreateStreamRequest): Promise<EngineOutcome & { created: boolean }> {
    const change: StreamChange = { remove: [], put: [] };
    const existing = await this.#store.getStream(path);
    if (!existing && this.#quotas.maxStreams !== Infinity && this.#store.countStreams) {
      if ((await this.#store.countStreams()) >= this.#quotas.maxStreams) {
        throw new StreamHttpError(507, `maxStreams: at most ${this.#quotas.maxStreams} streams are stored; delete one first`);
      }
    }
    if (existing) {
      if (existing.softDeleted || (this.#isExpired(existing) && existing.referenceCount > 0)) {
        if (!existing.softDeleted) await this.#store.commit({ put: [{ ...existing, softDeleted: true }] });
        throw new StreamHttpError(409, 'stream was deleted but forks still read it; the path cannot be reused yet');
      }
      if (this.#isExpired(existing)) {
        await this.#removeWithCascade(existing, change);
      } else {
        if (!sameConfiguration(existing, request)) {
          throw new StreamHttpError(409, 'stream already exists with a different configuration');
        }
        return { status: 200, headers: {}, metadata: existing, created: false };
      }
    }

    const now = this.#now();
    let contentType = request.contentType;
    let tail = 0;
    let ttlSeconds = request.ttlSeconds;
    let expiresAt = request.expiresAt;
    let forkOffset: number | undefined;
    const messages: StoredStreamMessage[] = [];

    if (request.forkedFrom !== undefined) {
      const source = await this.#store.getStream(request.forkedFrom);
      if (!source) throw new StreamHttpError(404, 'Stream-Forked-From: source stream not found');
      if (source.softDeleted) throw new StreamHttpError(409, 'Stream-Forked-From: source stream was deleted');
      if (this.#isExpired(source)) throw new StreamHttpError(404, 'Stream-Forked-From: source stream not found');
      if (contentType !== undefined && mediaType(contentType) !== mediaType(source.contentType)) {
        throw new StreamHttpError(409, 'Content-Type: does not match the source stream');
      }
      contentType ??= source.contentType;
      forkOffset = request.forkOffset ?? source.tail;
      if (forkOffset > source.tail) throw new StreamHttpError(400, 'Stream-Fork-Offset: beyond the source stream');
      tail = forkOffset;
      if (request.forkSubOffset !== undefined && request.forkSubOffset > 0) {
        const [first] = await this.#readChain(source, forkOffset, source.tail, 1);
        if (!first) throw new StreamHttpError(400, 'Stream-Fork-Sub-Offset: no data after the fork offset');
        const prefix = subOffsetPrefix(first.data, request.forkSubOffset, isJsonContentType(source.contentType));
        tail += 1;
        messages.push({ offset: tail, data: prefix });
      }
      if (ttlSeconds === undefined && expiresAt === undefined) {
        ttlSeconds = source.ttlSeconds;
        expiresAt = source.expiresAt;
      }
      change.put!.push({ ...source, referenceCount: source.referenceCount + 1 });
    }
    contentType ??= DEFAULT_CONTENT_TYPE;

    if (request.body.length > 0) {
      const data = isJsonContentType(contentType) ? jsonBatchFromBody(request.body, true) : request.body;
      if (data) {
        tail += 1;
        messages.push({ offset: tail, data });
      }
    }

    const storedBytes = messages.reduce((sum, message) => sum + message.data.length, 0);
    if (storedBytes > this.#quotas.maxStreamBytes) {
      throw new StreamHttpError(413, `maxStreamBytes: a stream holds at most ${this.#quotas.maxStreamBytes} bytes`);
    }
    const metadata: StreamMetadata = {
      path,
      contentType,
      storedBytes,
      createdAt: now,
      lastAccessedAt: now,
      ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      tail,
      closed: request.closed,
      referenceCount: 0,
      softDeleted: false,
      // A fork reads its source up to the fork offset; its own messages (a sub-offset prefix,
      // the initial body, later appends) follow it.
      ...(request.forkedFrom !== undefined && forkOffset !== undefined
        ? { forkedFrom: request.forkedFrom, forkOffset, forkSubOffset: request.forkSubOffset ?? 0 }
        : {}),
    };
    change.put!.push(metadata);
    if (messages.length > 0) change.append = { path, messages };
    await this.#store.commit(change);
    return { status: 201, headers: {}, metadata, created: true };
  }

  // -- appends and close ---------------------------------------------------------------------

  async #append(path: string, request: AppendRequest): Promise<EngineOutcome & { changed: boolean; appended?: LiveAppend }> {
    const found = await this.#lookupLocked(path);
    if (found.kind === 'missing') throw new StreamHttpError(404, 'stream not found');
    if (found.kind === 'gone') throw new StreamHttpError(410, 'stream is gone');
    const stream = found.metadata;
    const producer = request.producer;
    const closeOnly = request.body.length === 0 && request.close;

    if (stream.closed) {
      if (closeOnly && !producer) {
        // Closing is idempotent: a plain close of a closed stream succeeds and changes nothing.
        return {
          status: 204,
          headers: { 'Stream-Next-Offset': formatStreamOffset(stream.tail), 'Stream-Closed': 'true' },
          changed: false,
        };
      }
      const closer = stream.closedBy;
      if (producer && closer && closer.producerId === producer.id && closer.epoch === producer.epoch && closer.seq === producer.seq) {
        return {
          status: 204,
          headers: {
            'Stream-Next-Offset': formatStreamOffset(stream.tail),
            'Stream-Closed': 'true',
            'Producer-Epoch': String(producer.epoch),
            'Producer-Seq': String(producer.seq),
          },
          changed: false,
        };
      }
      if (producer) {
        // A fenced (stale) producer learns it is fenced rather than that the stream closed.
        const state = await this.#store.getProducer(path, producer.id);
        if (state && producer.epoch < state.epoch) {
          throw new StreamHttpError(403, 'Producer-Epoch: stale epoch', { 'Producer-Epoch': String(state.epoch) });
        }
      }
      throw new StreamHttpError(409, 'stream is closed', {
        'Stream-Closed': 'true',
        'Stream-Next-Offset': formatStreamOffset(stream.tail),
      });
    }

    if (!closeOnly) {
      if (request.body.length === 0) throw new StreamHttpError(400, 'body: empty appends are not allowed');
      if (request.contentType === undefined || mediaType(request.contentType) === '') {
        throw new StreamHttpError(400, 'Content-Type: required on append');
      }
      if (mediaType(request.contentType) !== mediaType(stream.contentType)) {
        throw new StreamHttpError(409, `Content-Type: the stream is ${stream.contentType}`);
      }
    }

    let verdict: ProducerVerdict | undefined;
    if (producer) {
      verdict = await this.#checkProducer(path, producer);
      switch (verdict.status) {
        case 'duplicate':
          return {
            status: 204,
            headers: { 'Producer-Epoch': String(producer.epoch), 'Producer-Seq': String(verdict.lastSeq) },
            changed: false,
          };
        case 'stale_epoch':
          throw new StreamHttpError(403, 'Producer-Epoch: stale epoch', { 'Producer-Epoch': String(verdict.currentEpoch) });
        case 'invalid_epoch_seq':
          throw new StreamHttpError(400, 'Producer-Seq: a new epoch must start at 0');
        case 'sequence_gap':
          throw new StreamHttpError(409, 'Producer-Seq: sequence gap', {
            'Producer-Expected-Seq': String(verdict.expected),
            'Producer-Received-Seq': String(verdict.received),
          });
        case 'accepted':
          break;
      }
    }

    if (!closeOnly && request.streamSeq !== undefined && stream.lastStreamSeq !== undefined && request.streamSeq <= stream.lastStreamSeq) {
      throw new StreamHttpError(409, `Stream-Seq: must be greater than ${stream.lastStreamSeq}`);
    }

    const now = this.#now();
    const updated: StreamMetadata = { ...stream, lastAccessedAt: now };
    const change: StreamChange = { put: [updated] };
    if (!closeOnly) {
      const data = isJsonContentType(stream.contentType) ? jsonBatchFromBody(request.body, false)! : request.body;
      const storedBytes = (stream.storedBytes ?? 0) + data.length;
      if (storedBytes > this.#quotas.maxStreamBytes) {
        throw new StreamHttpError(413, `maxStreamBytes: a stream holds at most ${this.#quotas.maxStreamBytes} bytes; start another`);
      }
      updated.storedBytes = storedBytes;
      updated.tail = stream.tail + 1;
      change.append = { path, messages: [{ offset: updated.tail, data }] };
      if (request.streamSeq !== undefined) updated.lastStreamSeq = request.streamSeq;
    }
    if (request.close) {
      updated.closed = true;
      if (producer) updated.closedBy = { producerId: producer.id, epoch: producer.epoch, seq: producer.seq };
    }
    if (verdict?.status === 'accepted') change.producer = { path, producerId: producer!.id, state: verdict.state };
    await this.#store.commit(change);

    const headers: Record<string, string> = { 'Stream-Next-Offset': formatStreamOffset(updated.tail) };
    if (request.close) headers['Stream-Closed'] = 'true';
    if (producer) {
      headers['Producer-Epoch'] = String(producer.epoch);
      headers['Producer-Seq'] = String(producer.seq);
    }
    // Producer appends answer 200 (new data); a close-only request has no data to report.
    const appended = change.append ? new LiveAppend(updated, change.append.messages[0]!) : undefined;
    return { status: producer && !closeOnly ? 200 : 204, headers, changed: true, appended };
  }

  async #checkProducer(path: string, producer: ProducerHeaders): Promise<ProducerVerdict> {
    const now = this.#now();
    let state = await this.#store.getProducer(path, producer.id);
    if (state && now - state.updatedAt > PRODUCER_STATE_TTL_MS) state = undefined;
    const accepted = (lastSeq: number): ProducerVerdict => ({
      status: 'accepted',
      state: { epoch: producer.epoch, lastSeq, updatedAt: now },
    });
    if (!state) {
      return producer.seq === 0 ? accepted(0) : { status: 'sequence_gap', expected: 0, received: producer.seq };
    }
    if (producer.epoch < state.epoch) return { status: 'stale_epoch', currentEpoch: state.epoch };
    if (producer.epoch > state.epoch) return producer.seq === 0 ? accepted(0) : { status: 'invalid_epoch_seq' };
    if (producer.seq <= state.lastSeq) return { status: 'duplicate', lastSeq: state.lastSeq };
    if (producer.seq === state.lastSeq + 1) return accepted(producer.seq);
    return { status: 'sequence_gap', expected: state.lastSeq + 1, received: producer.seq };
  }

  // -- expiry and removal --------------------------------------------------------------------

  #isExpired(metadata: StreamMetadata): boolean {
    const now = this.#now();
    if (metadata.expiresAt !== undefined) {
      const at = Date.parse(metadata.expiresAt);
      // An unreadable expiry fails closed.
      if (!Number.isFinite(at) || now >= at) return true;
    }
    return metadata.ttlSeconds !== undefined && now >= metadata.lastAccessedAt + metadata.ttlSeconds * 1000;
  }

  async #lookupLocked(path: string): Promise<StreamLookup> {
    const metadata = await this.#store.getStream(path);
    if (!metadata) return { kind: 'missing' };
    if (metadata.softDeleted) return { kind: 'gone', metadata };
    if (this.#isExpired(metadata)) return this.#expire(path);
    return { kind: 'live', metadata };
  }

  /** Must run under the mutex. */
  async #expire(path: string): Promise<StreamLookup> {
    const metadata = await this.#store.getStream(path);
    if (!metadata) return { kind: 'missing' };
    if (metadata.softDeleted) return { kind: 'gone', metadata };
    if (!this.#isExpired(metadata)) return { kind: 'live', metadata };
    if (metadata.referenceCount > 0) {
      const soft = { ...metadata, softDeleted: true };
      await this.#store.commit({ put: [soft] });
      this.#notify(path);
      return { kind: 'gone', metadata: soft };
    }
    const change: StreamChange = { remove: [], put: [] };
    await this.#removeWithCascade(metadata, change);
    await this.#store.commit(change);
    this.#notify(path);
    return { kind: 'missing' };
  }

  /** Removes a stream and releases its source, removing soft-deleted sources nobody reads any more. */
  async #removeWithCascade(metadata: StreamMetadata, change: StreamChange): Promise<void> {
    change.remove!.push(metadata.path);
    if (metadata.forkedFrom === undefined) return;
    const pending = change.put!.find((m) => m.path === metadata.forkedFrom);
    const source = pending ?? (await this.#store.getStream(metadata.forkedFrom));
    if (!source) return;
    const released = { ...source, referenceCount: Math.max(0, source.referenceCount - 1) };
    if (pending) change.put!.splice(change.put!.indexOf(pending), 1);
    if (released.referenceCount === 0 && released.softDeleted) {
      await this.#removeWithCascade(released, change);
    } else {
      change.put!.push(released);
    }
  }

  // -- reading -------------------------------------------------------------------------------

  async #readChain(metadata: StreamMetadata, after: number, upTo: number, maxBytes: number): Promise<StoredStreamMessage[]> {
    const result: StoredStreamMessage[] = [];
    let bytes = 0;
    const forkOffset = metadata.forkOffset ?? 0;
    if (metadata.forkedFrom !== undefined && after < forkOffset) {
      const source = await this.#store.getStream(metadata.forkedFrom);
      const cap = Math.min(upTo, forkOffset);
      if (source) {
        const inherited = await this.#readChain(source, after, cap, maxBytes);
        result.push(...inherited);
        for (const message of inherited) bytes += message.data.length;
      }
      const last = result.at(-1)?.offset ?? after;
      // A page that stopped inside the inherited range must not skip to the fork's own data.
      if (last < cap || bytes >= maxBytes) return result;
    }
    const start = Math.max(after, forkOffset);
    if (start >= upTo) return result;
    const own = await this.#store.readMessages(metadata.path, start, upTo, Math.max(1, maxBytes - bytes));
    if (result.length > 0 && bytes >= maxBytes) return result;
    result.push(...own);
    return result;
  }

  #notify(path: string, append?: LiveAppend): void {
    const set = this.#watchers.get(path);
    if (!set) return;
    for (const watcher of [...set]) watcher(append);
  }
}

function sameConfiguration(existing: StreamMetadata, request: CreateStreamRequest): boolean {
  const requestedType = mediaType(request.contentType) || (request.forkedFrom !== undefined ? mediaType(existing.contentType) : DEFAULT_CONTENT_TYPE);
  return (
    requestedType === (mediaType(existing.contentType) || DEFAULT_CONTENT_TYPE) &&
    // A fork that asked for no expiry inherited its source's, so an identical retry matches it.
    ((request.forkedFrom !== undefined && request.ttlSeconds === undefined && request.expiresAt === undefined) ||
      (request.ttlSeconds === existing.ttlSeconds && request.expiresAt === existing.expiresAt)) &&
    request.closed === existing.closed &&
    request.forkedFrom === existing.forkedFrom &&
    (request.forkOffset === undefined || request.forkOffset === existing.forkOffset) &&
    (request.forkSubOffset ?? 0) === (existing.forkSubOffset ?? 0)
  );
}

function subOffsetPrefix(data: Uint8Array, subOffset: number, json: boolean): Uint8Array {
  if (json) {
    const values = jsonValuesOfBatch(data);
    if (subOffset > values.length) throw new StreamHttpError(400, 'Stream-Fork-Sub-Offset: beyond the message count');
    return new TextEncoder().encode(values.slice(0, subOffset).map((value) => JSON.stringify(value)).join(','));
  }
  if (subOffset > data.length) throw new StreamHttpError(400, 'Stream-Fork-Sub-Offset: beyond the message length');
  return data.slice(0, subOffset);
}
