import { jsonArrayOfBatches } from './_json-batch.js';
import {
  Header,
  decimalInteger,
  liveMode,
  readEtag,
  readPosition,
  responseCursor,
  sseEvent,
} from './_protocol-http.js';
import type { LiveAppend } from './_live-append.js';
import { StreamHttpError } from './_stream-error.js';
import { PulledBody, type StreamReply, type StreamRequest } from './_stream-exchange.js';
import { isJsonContentType, mediaType, type ProducerHeaders, type StreamEngine } from './_stream-engine.js';
import { normalizeStreamPath } from './_stream-path.js';
import { formatStreamOffset, isWellFormedStreamOffset, parseStreamOffset } from './stream-offset.js';
import type { StoredStreamMessage, StreamMetadata } from './stream-store.js';

/** What the generic-stream routes need from the handler. */
export interface GenericStreamContext {
  engine: StreamEngine;
  /** Headers every response carries. */
  base: Record<string, string>;
  /** Public URL of the stream (for `Location`). */
  location: string;
  maxAppendBytes: number;
  maxReadBytes: number;
  longPollTimeoutMs: number;
  sseMaxDurationMs: number;
  /** An SSE response ends after about this many bytes; the reader goes on from its offset. */
  sseMaxBytes: number;
}

const CACHEABLE = 'private, max-age=60, stale-while-revalidate=300';

/**
 * Serves one request on a generic stream. Not itself async: it hands on the route's promise,
 * rather than wrapping it in another that must adopt it (two more turns of the microtask queue
 * per request).
 */
export function serveGenericStream(request: StreamRequest, path: string, context: GenericStreamContext): Promise<StreamReply> {
  switch (request.method) {
    case 'PUT':
      return create(request, path, context);
    case 'POST':
      return append(request, path, context);
    case 'DELETE':
      return context.engine.delete(path).then(() => ({ status: 204, headers: context.base }));
    case 'HEAD':
      return head(path, context);
    case 'GET':
      return read(request, path, context);
    default:
      return Promise.reject(new StreamHttpError(405, 'method not allowed', { allow: 'GET, HEAD, POST, PUT, DELETE, OPTIONS' }));
  }
}

async function create(request: StreamRequest, path: string, context: GenericStreamContext): Promise<StreamReply> {
  const forkedFrom = request.header(Header.forkedFrom) ?? undefined;
  const rawType = request.header('content-type');
  const contentType = rawType && /^[\w.+-]+\/[\w.+-]+/.test(rawType.trim()) ? rawType.trim() : undefined;
  const ttlText = request.header(Header.ttl);
  const expiresText = request.header(Header.expiresAt);
  if (ttlText !== null && expiresText !== null) {
    throw new StreamHttpError(400, 'Stream-TTL, Stream-Expires-At: give one, not both');
  }
  const ttlSeconds = ttlText === null ? undefined : decimalInteger(ttlText, Header.ttl, true);
  if (expiresText !== null && !Number.isFinite(Date.parse(expiresText))) {
    throw new StreamHttpError(400, 'Stream-Expires-At: expected an RFC 3339 timestamp');
  }
  const forkOffsetText = request.header(Header.forkOffset);
  let forkOffset: number | undefined;
  if (forkOffsetText !== null) {
    if (!isWellFormedStreamOffset(forkOffsetText)) throw new StreamHttpError(400, 'Stream-Fork-Offset: not a stream offset');
    forkOffset = parseStreamOffset(forkOffsetText) ?? Number.MAX_SAFE_INTEGER;
  }
  const subOffsetText = request.header(Header.forkSubOffset);
  let forkSubOffset: number | undefined;
  if (subOffsetText !== null) {
    if (forkedFrom === undefined) throw new StreamHttpError(400, 'Stream-Fork-Sub-Offset: needs Stream-Forked-From');
    forkSubOffset = decimalInteger(subOffsetText, Header.forkSubOffset, true);
    if (forkSubOffset > 0 && forkOffset === undefined) {
      throw new StreamHttpError(400, 'Stream-Fork-Sub-Offset: needs Stream-Fork-Offset');
    }
  }
  const forkPath = forkedFrom === undefined ? undefined : sourcePath(forkedFrom);
  const body = await request.body(context.maxAppendBytes);
  const outcome = await context.engine.create(path, {
    contentType: contentType ?? (forkPath === undefined ? 'application/octet-stream' : undefined),
    ttlSeconds,
    expiresAt: expiresText ?? undefined,
    closed: request.header(Header.closed)?.toLowerCase() === 'true',
    body,
    forkedFrom: forkPath,
    forkOffset,
    forkSubOffset,
  });
  const metadata = outcome.metadata!;
  const responseHeaders: Record<string, string> = {
    ...context.base,
    'content-type': metadata.contentType,
    [Header.nextOffset]: formatStreamOffset(metadata.tail),
    'cache-control': 'no-store',
  };
  if (outcome.created) responseHeaders['location'] = context.location;
  if (metadata.closed) responseHeaders[Header.closed] = 'true';
  return { status: outcome.status, headers: responseHeaders };
}

/** `Stream-Forked-From` names the source by its stream path (the part below the base path). */
function sourcePath(value: string): string {
  const path = normalizeStreamPath(value);
  if (path === undefined) throw new StreamHttpError(400, 'Stream-Forked-From: not a stream path');
  return path;
}

async function append(request: StreamRequest, path: string, context: GenericStreamContext): Promise<StreamReply> {
  const producerId = request.header(Header.producerId);
  const epochText = request.header(Header.producerEpoch);
  const seqText = request.header(Header.producerSeq);
  let producer: ProducerHeaders | undefined;
  if (producerId !== null || epochText !== null || seqText !== null) {
    if (producerId === null || epochText === null || seqText === null) {
      throw new StreamHttpError(400, 'Producer-Id, Producer-Epoch, Producer-Seq: give all three or none');
    }
    if (producerId === '') throw new StreamHttpError(400, 'Producer-Id: must not be empty');
    producer = {
      id: producerId,
      epoch: decimalInteger(epochText, Header.producerEpoch, false),
      seq: decimalInteger(seqText, Header.producerSeq, false),
    };
  }
  const body = await request.body(context.maxAppendBytes);
  const outcome = await context.engine.append(path, {
    contentType: request.header('content-type') ?? undefined,
    body,
    close: request.header(Header.closed)?.toLowerCase() === 'true',
    streamSeq: request.header(Header.seq) ?? undefined,
    producer,
  });
  return { status: outcome.status, headers: { ...context.base, ...outcome.headers } };
}

async function live(path: string, context: GenericStreamContext): Promise<StreamMetadata> {
  const found = await context.engine.lookup(path);
  if (found.kind === 'missing') throw new StreamHttpError(404, 'stream not found');
  if (found.kind === 'gone') throw new StreamHttpError(410, 'stream is gone');
  return found.metadata;
}

async function head(path: string, context: GenericStreamContext): Promise<StreamReply> {
  const metadata = await live(path, context);
  const headers: Record<string, string> = {
    ...context.base,
    'content-type': metadata.contentType,
    [Header.nextOffset]: formatStreamOffset(metadata.tail),
    'cache-control': 'no-store',
    etag: readEtag(path, '-1', formatStreamOffset(metadata.tail), metadata.closed),
  };
  if (metadata.closed) headers[Header.closed] = 'true';
  if (metadata.ttlSeconds !== undefined) headers[Header.ttl] = String(metadata.ttlSeconds);
  if (metadata.expiresAt !== undefined) headers[Header.expiresAt] = metadata.expiresAt;
  return { status: 200, headers };
}

function bodyOf(metadata: StreamMetadata, messages: StoredStreamMessage[]): string | Uint8Array {
  if (isJsonContentType(metadata.contentType)) return jsonArrayOfBatches(messages.map((message) => message.data));
  if (messages.length === 1) return messages[0]!.data;
  const total = messages.reduce((sum, message) => sum + message.data.length, 0);
  const body = new Uint8Array(total);
  let position = 0;
  for (const message of messages) {
    body.set(message.data, position);
    position += message.data.length;
  }
  return body;
}

async function read(request: StreamRequest, path: string, context: GenericStreamContext): Promise<StreamReply> {
  const url = request.url;
  const mode = liveMode(url);
  const position = readPosition(url);
  let metadata = await live(path, context);
  if (mode === 'sse') return sse(request, path, metadata, position, context);

  if (position.kind === 'now' && mode === 'catch-up') {
    await context.engine.touch(metadata);
    const headers: Record<string, string> = {
      ...context.base,
      'content-type': metadata.contentType,
      [Header.nextOffset]: formatStreamOffset(metadata.tail),
      [Header.upToDate]: 'true',
      'cache-control': 'no-store',
    };
    if (metadata.closed) headers[Header.closed] = 'true';
    return { status: 200, headers, body: isJsonContentType(metadata.contentType) ? '[]' : null };
  }

  const after = position.kind === 'after' ? position.offset : position.kind === 'now' ? metadata.tail : 0;
  let messages = await context.engine.read(metadata, after, context.maxReadBytes);
  await context.engine.touch(metadata);

  if (mode === 'long-poll' && messages.length === 0 && after >= metadata.tail) {
    const cursor = responseCursor(url.searchParams.get('cursor'));
    const waitHeaders = (tail: number, closed: boolean): Record<string, string> => ({
      ...context.base,
      [Header.nextOffset]: formatStreamOffset(Math.min(after, tail)),
      [Header.upToDate]: 'true',
      [Header.cursor]: cursor,
      'cache-control': 'no-store',
      ...(closed ? { [Header.closed]: 'true' } : {}),
    });
    if (metadata.closed) return { status: 204, headers: waitHeaders(metadata.tail, true) };
    const deadline = Date.now() + context.longPollTimeoutMs;
    const changes = new ChangeSignal(context.engine, path);
    try {
      for (;;) {
        // Reset before reading: a write after this point wakes the wait below.
        changes.reset();
        const found = await context.engine.lookup(path);
        if (found.kind === 'missing') throw new StreamHttpError(404, 'stream not found');
        if (found.kind === 'gone') throw new StreamHttpError(410, 'stream is gone');
        metadata = found.metadata;
        messages = await context.engine.read(metadata, after, context.maxReadBytes);
        if (messages.length > 0) break;
        if (metadata.closed || !(await changes.wait(deadline - Date.now(), request.signal))) {
          return { status: 204, headers: waitHeaders(metadata.tail, metadata.closed) };
        }
      }
    } finally {
      changes.close();
    }
    await context.engine.touch(metadata);
  }

  const next = messages.at(-1)?.offset ?? Math.min(Math.max(after, 0), metadata.tail);
  const upToDate = next >= metadata.tail;
  const closedAtTail = metadata.closed && upToDate;
  const start = url.searchParams.get('offset') ?? '-1';
  const etag = readEtag(path, start, formatStreamOffset(next), closedAtTail);
  const headers: Record<string, string> = {
    ...context.base,
    'content-type': metadata.contentType,
    [Header.nextOffset]: formatStreamOffset(next),
    etag,
    // A page that reaches the tail changes with the next append; an older page never changes.
    'cache-control': upToDate ? 'no-store' : CACHEABLE,
  };
  if (upToDate) headers[Header.upToDate] = 'true';
  if (closedAtTail) headers[Header.closed] = 'true';
  if (mode === 'long-poll') headers[Header.cursor] = responseCursor(url.searchParams.get('cursor'));
  if (request.header('if-none-match') === etag) {
    return { status: 304, headers: { ...context.base, etag, 'cache-control': headers['cache-control']! } };
  }
  return { status: 200, headers, body: bodyOf(metadata, messages) };
}

/**
 * Remembers whether a stream changed since the last `reset()`, and lets one reader wait for the
 * next change. Resetting before each read means a write between the read and the wait is never
 * missed, with one watcher for the reader's whole life. A live reader waits once per append, so
 * the wait reuses one timer and one abort listener rather than making them each time.
 */
class ChangeSignal {
  #dirty = false;
  #latest: LiveAppend | undefined;
  #settle: ((changed: boolean) => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDelay = -1;
  #signal: AbortSignal | undefined;
  readonly #unwatch: () => void;
  readonly #onAbort = (): void => this.#finish(false);

  constructor(engine: StreamEngine, path: string) {
    this.#unwatch = engine.watch(path, (append) => {
      this.#dirty = true;
      this.#latest = append;
      this.#finish(true);
    });
  }

  /** The message the latest change since the last reset appended, if that change was an append. */
  get latest(): LiveAppend | undefined {
    return this.#latest;
  }

  reset(): void {
    this.#dirty = false;
    this.#latest = undefined;
  }

  /** Resolves `true` at a change since the last reset, `false` after `delayMs` or on abort. */
  wait(delayMs: number, signal: AbortSignal): Promise<boolean> {
    if (this.#dirty) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    if (this.#signal !== signal) {
      this.#signal?.removeEventListener('abort', this.#onAbort);
      this.#signal = signal;
      signal.addEventListener('abort', this.#onAbort);
    }
    return new Promise((resolve) => {
      this.#settle = resolve;
      this.#arm(Math.max(0, delayMs));
    });
  }

  close(): void {
    this.#unwatch();
    clearTimeout(this.#timer);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#finish(false);
  }

  #finish(changed: boolean): void {
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.(changed);
  }

  /** Starts the timer of a wait; one that fires while nobody waits does nothing. */
  #arm(delayMs: number): void {
    const timer = this.#timer as { refresh?: () => unknown } | number | undefined;
    // Node's timers can start over in place (the usual wait: the same keep-alive interval).
    if (delayMs === this.#timerDelay && typeof timer === 'object' && typeof timer.refresh === 'function') {
      timer.refresh();
      return;
    }
    clearTimeout(this.#timer);
    this.#timerDelay = delayMs;
    this.#timer = setTimeout(() => this.#finish(false), delayMs);
  }
}

/**
 * The SSE mode of a generic stream, pulled at the reader's pace: one page (`maxReadBytes`) is
 * read from storage only when the response has room, so a reader that stops reading stops the
 * reads instead of making the server hold the stream in memory. The response ends after
 * `sseMaxBytes` or `sseMaxDurationMs`; the reader goes on from the last offset it was given.
 */
function sse(
  request: StreamRequest,
  path: string,
  initial: StreamMetadata,
  position: ReturnType<typeof readPosition>,
  context: GenericStreamContext,
): StreamReply {
  const url = request.url;
  const type = mediaType(initial.contentType);
  const json = type === 'application/json';
  const base64 = !json && !type.startsWith('text/');
  const encoding = json ? 'json' : base64 ? 'base64' : 'text';
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const payloadOf = (messages: StoredStreamMessage[]): string =>
    json
      ? jsonArrayOfBatches(messages.map((message) => message.data))
      : base64
        ? base64Of(messages)
        : messages.map((message) => decoder.decode(message.data)).join('');
  const clientCursor = url.searchParams.get('cursor');
  const stop = new AbortController();
  const abort = (): void => stop.abort();
  request.signal.addEventListener('abort', abort, { once: true });
  const closeAt = Date.now() + context.sseMaxDurationMs;
  const changes = new ChangeSignal(context.engine, path);
  let after = position.kind === 'after' ? position.offset : position.kind === 'now' ? initial.tail : 0;
  let first = true;
  let sentBytes = 0;
  let ended = false;
  /**
   * The last pull sent everything up to the tail it read, and that read came after the last
   * `changes.reset()`: until a change, another read would find nothing, so the next pull waits.
   */
  let caughtUp = false;

  const body = new PulledBody(
    async (controller) => {
      const send = (text: string): void => {
        const bytes = encoder.encode(text);
        sentBytes += bytes.length;
        controller.enqueue(bytes);
      };
      const end = (): void => {
        if (ended) return;
        ended = true;
        changes.close();
        request.signal.removeEventListener('abort', abort);
        controller.close();
      };
      try {
        for (;;) {
          if (stop.signal.aborted || sentBytes >= context.sseMaxBytes) return end();
          if (!caughtUp) {
            changes.reset();
            const found = await context.engine.lookup(path);
            if (found.kind !== 'live') return end();
            const metadata = found.metadata;
            const messages = await context.engine.read(metadata, after, context.maxReadBytes);
            await context.engine.touch(metadata);
            if (stop.signal.aborted) return end();
            // The data event and the control event after it go out as one chunk: one write, one
            // packet, one read for the reader.
            let data = '';
            if (messages.length > 0) {
              data = sseEvent('data', payloadOf(messages));
              after = messages.at(-1)!.offset;
            }
            const upToDate = after >= metadata.tail;
            const control: Record<string, unknown> = { streamNextOffset: formatStreamOffset(Math.min(after, metadata.tail)) };
            if (metadata.closed && upToDate) {
              control['streamClosed'] = true;
              send(data + sseEvent('control', JSON.stringify(control)));
              return end();
            }
            control['streamCursor'] = responseCursor(clientCursor);
            if (upToDate) control['upToDate'] = true;
            if (messages.length > 0 || first) {
              first = false;
              send(data + sseEvent('control', JSON.stringify(control)));
              caughtUp = upToDate;
              // One page per pull: the next is read when the reader has taken this one.
              return;
            }
            if (!upToDate) continue;
          }
          caughtUp = false;
          if (Date.now() >= closeAt) return end();
          const changed = await changes.wait(Math.min(closeAt - Date.now(), context.longPollTimeoutMs), stop.signal);
          const append = changed ? changes.latest : undefined;
          if (append?.follows(after)) {
            // Exactly the one message this reader lacks: send it from the append, in the bytes
            // made for the first reader that got here, without reading the store.
            changes.reset();
            if (append.metadata.ttlSeconds !== undefined) {
              await context.engine.touch(append.metadata);
              if (stop.signal.aborted) return end();
            }
            const cursor = responseCursor(clientCursor);
            const frame = append.frame(`${encoding} ${cursor}`, () =>
              encoder.encode(
                sseEvent('data', payloadOf([append.message])) +
                  sseEvent('control', JSON.stringify({ streamNextOffset: formatStreamOffset(append.message.offset), streamCursor: cursor, upToDate: true })),
              ),
            );
            after = append.message.offset;
            sentBytes += frame.length;
            controller.enqueue(frame);
            caughtUp = true;
            return;
          }
          if (!changed && !stop.signal.aborted && Date.now() < closeAt) {
            // Keep-alive: the reader learns it is still caught up, with a fresh cursor.
            send(
              sseEvent(
                'control',
                JSON.stringify({ streamNextOffset: formatStreamOffset(after), streamCursor: responseCursor(clientCursor), upToDate: true }),
              ),
            );
            return;
          }
        }
      } catch {
        // Storage failed or the reader went away: end the response; the reader resumes.
        try {
          end();
        } catch {
          // Already closed by the reader going away.
        }
      }
    },
    () => {
      stop.abort();
      if (!ended) {
        ended = true;
        changes.close();
      }
    },
  );

  const headers: Record<string, string> = {
    ...context.base,
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache, no-store',
  };
  if (base64) headers[Header.sseDataEncoding] = 'base64';
  return { status: 200, headers, body };
}

/** Base64 of the concatenated messages, with Web APIs only (`btoa` over binary-string chunks). */
function base64Of(messages: StoredStreamMessage[]): string {
  let binary = '';
  for (const message of messages) {
    for (let index = 0; index < message.data.length; index += 0x8000) {
      binary += String.fromCharCode(...message.data.subarray(index, index + 0x8000));
    }
  }
  return btoa(binary);
}
