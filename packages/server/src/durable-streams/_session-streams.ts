import { restoreSessionState, type SessionRecord } from '@marketing-team/core';
import type { SessionHead, SessionStore } from '../stores/session-store.js';
import { Header, liveMode, readEtag, readPosition, responseCursor, sseEvent } from './_protocol-http.js';
import { StreamHttpError } from './_stream-error.js';
import type { StreamReply, StreamRequest } from './_stream-exchange.js';
import { formatStreamOffset } from './stream-offset.js';

/** What the session-stream routes need from the handler. */
export interface SessionStreamContext {
  store: SessionStore;
  base: Record<string, string>;
  maxRecordsPerRead: number;
  longPollTimeoutMs: number;
  sseMaxDurationMs: number;
  /** An SSE response ends after about this many bytes; the reader goes on from its offset. */
  sseMaxBytes: number;
}

const JSON_TYPE = 'application/json';

/**
 * Serves a session log as a read-only Durable Streams JSON stream: each stored `SessionRecord`
 * is one JSON message, and the protocol offset after a record carries its integer offset.
 * Writing goes only through the session server's validated paths, so every write method is 405.
 */
export async function serveSessionStream(
  request: StreamRequest,
  session: string,
  snapshot: boolean,
  context: SessionStreamContext,
): Promise<StreamReply> {
  const url = request.url;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    throw new StreamHttpError(405, 'session streams are read-only: publish, cancel and steer through the session API', {
      allow: 'GET, HEAD, OPTIONS',
    });
  }
  if (snapshot) return serveSnapshot(request, session, context);
  const head = await context.store.head(session);
  if (request.method === 'HEAD') {
    return {
      status: 200,
      headers: {
        ...context.base,
        'content-type': JSON_TYPE,
        [Header.nextOffset]: formatStreamOffset(head.offset),
        'cache-control': 'no-store',
        etag: readEtag(session, '-1', formatStreamOffset(head.offset), false),
      },
    };
  }

  const mode = liveMode(url);
  const position = readPosition(url);
  const after = position.kind === 'after' ? position.offset : position.kind === 'now' ? head.offset : 0;
  if (after > head.offset) {
    throw new StreamHttpError(410, 'offset: not in this session log (it was reset); read the snapshot again');
  }
  const first = await context.store.firstOffset(session);
  if (after < first - 1) {
    throw new StreamHttpError(410, 'offset: older events were compacted; load the snapshot and read from its offset');
  }
  if (mode === 'sse') return sessionSse(request, session, after, head, context);

  if (position.kind === 'now' && mode === 'catch-up') {
    return { status: 200, headers: readHeaders(context, head.offset, true), body: '[]' };
  }

  let records = await context.store.read(session, after, context.maxRecordsPerRead);
  if (mode === 'long-poll' && records.length === 0) {
    records = await waitForRecords(context.store, session, after, context.longPollTimeoutMs, request.signal, context.maxRecordsPerRead);
    if (records.length === 0) {
      return {
        status: 204,
        headers: {
          ...readHeaders(context, after, true),
          [Header.cursor]: responseCursor(url.searchParams.get('cursor')),
        },
      };
    }
  }
  const next = records.at(-1)?.offset ?? after;
  const upToDate = records.length < context.maxRecordsPerRead || next >= (await context.store.head(session)).offset;
  const headers = readHeaders(context, next, upToDate);
  const etag = readEtag(session, url.searchParams.get('offset') ?? '-1', formatStreamOffset(next), false);
  headers['etag'] = etag;
  if (mode === 'long-poll') headers[Header.cursor] = responseCursor(url.searchParams.get('cursor'));
  if (request.header('if-none-match') === etag) {
    return { status: 304, headers: { ...context.base, etag, 'cache-control': 'no-store' } };
  }
  return { status: 200, headers, body: JSON.stringify(records) };
}

function readHeaders(context: SessionStreamContext, next: number, upToDate: boolean): Record<string, string> {
  return {
    ...context.base,
    'content-type': JSON_TYPE,
    [Header.nextOffset]: formatStreamOffset(next),
    // Session logs are per-user data: never kept by shared caches.
    'cache-control': 'no-store',
    ...(upToDate ? { [Header.upToDate]: 'true' } : {}),
  };
}

async function serveSnapshot(request: StreamRequest, session: string, context: SessionStreamContext): Promise<StreamReply> {
  const stored = await context.store.loadSnapshot(session);
  // Served in today's shape (older snapshots are migrated); one that is not valid is as good as none.
  const state = stored && restoreSessionState(stored.state);
  const snapshot = state && { offset: stored!.offset, state };
  if (!snapshot) throw new StreamHttpError(404, 'no snapshot: read the stream from offset -1');
  const headers = {
    ...context.base,
    'content-type': JSON_TYPE,
    'cache-control': 'no-store',
    [Header.nextOffset]: formatStreamOffset(snapshot.offset),
  };
  const body = JSON.stringify({ offset: formatStreamOffset(snapshot.offset), state: snapshot.state });
  return { status: 200, headers, body: request.method === 'HEAD' ? null : body };
}

/** Resolves with the first records stored after `after`, or none at the timeout. */
function waitForRecords(
  store: SessionStore,
  session: string,
  after: number,
  timeoutMs: number,
  signal: AbortSignal,
  limit: number,
): Promise<SessionRecord[]> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (records: SessionRecord[]): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      // The store may deliver during subscribe(); close once the subscription exists.
      queueMicrotask(() => subscription.close());
      resolve(records.slice(0, limit));
    };
    const onAbort = (): void => finish([]);
    const timer = setTimeout(() => finish([]), timeoutMs);
    signal.addEventListener('abort', onAbort);
    const subscription = store.subscribe(session, after, (records) => {
      if (records.length > 0) finish(records);
    });
  });
}

/**
 * Records stored after `after`, as soon as there are any; `[]` at the deadline or on abort, and
 * `undefined` when the log was reset (its offsets no longer mean anything).
 */
function nextRecords(
  store: SessionStore,
  session: string,
  after: number,
  epoch: string,
  deadline: number,
  signal: AbortSignal,
  limit: number,
): Promise<SessionRecord[] | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (records: SessionRecord[] | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      // The store may deliver during subscribe(); close once the subscription exists.
      queueMicrotask(() => subscription.close());
      resolve(records?.slice(0, limit));
    };
    const onAbort = (): void => finish([]);
    const timer = setTimeout(() => finish([]), Math.max(0, deadline - Date.now()));
    signal.addEventListener('abort', onAbort);
    const subscription = store.subscribe(
      session,
      after,
      (records) => {
        if (records.length > 0) finish(records);
      },
      { epoch, onReset: () => finish(undefined) },
    );
  });
}

/**
 * The SSE mode of a session stream, pulled at the reader's pace: the store is read one page at a
 * time, and only when the response has room (a reader that stops reading stops the reads, so it
 * holds at most about one page and the queue's high-water mark). The response ends after
 * `sseMaxBytes` or `sseMaxDurationMs`, whichever comes first; the reader goes on from the last
 * offset it was given, as the protocol has it.
 */
function sessionSse(
  request: StreamRequest,
  session: string,
  after: number,
  headAtStart: SessionHead,
  context: SessionStreamContext,
): StreamReply {
  const url = request.url;
  const encoder = new TextEncoder();
  const clientCursor = url.searchParams.get('cursor');
  const stop = new AbortController();
  const abort = (): void => stop.abort();
  request.signal.addEventListener('abort', abort, { once: true });
  const closeAt = Date.now() + context.sseMaxDurationMs;
  let delivered = after;
  let sentBytes = 0;
  // Whether the last control told the reader it was caught up; until then it is owed one.
  let announcedUpToDate = false;
  let ended = false;

  const body = new ReadableStream<Uint8Array>(
    {
      pull: async (controller) => {
        const send = (text: string): void => {
          const bytes = encoder.encode(text);
          sentBytes += bytes.length;
          controller.enqueue(bytes);
        };
        const control = (upToDate: boolean): string =>
          sseEvent(
            'control',
            JSON.stringify({
              streamNextOffset: formatStreamOffset(delivered),
              streamCursor: responseCursor(clientCursor),
              ...(upToDate ? { upToDate: true } : {}),
            }),
          );
        const end = (): void => {
          if (ended) return;
          ended = true;
          request.signal.removeEventListener('abort', abort);
          controller.close();
        };
        try {
          for (;;) {
            if (stop.signal.aborted || sentBytes >= context.sseMaxBytes || Date.now() >= closeAt) return end();
            const records = await context.store.read(session, delivered, context.maxRecordsPerRead);
            if (stop.signal.aborted) return end();
            if (records.length > 0) {
              delivered = records.at(-1)!.offset;
              announcedUpToDate = records.length < context.maxRecordsPerRead && delivered >= headAtStart.offset;
              send(sseEvent('data', JSON.stringify(records)));
              send(control(announcedUpToDate));
              // One page per pull: the next is read when the reader has taken this one.
              return;
            }
            if (!announcedUpToDate) {
              announcedUpToDate = true;
              send(control(true));
              return;
            }
            const deadline = Math.min(closeAt, Date.now() + context.longPollTimeoutMs);
            const fresh = await nextRecords(context.store, session, delivered, headAtStart.epoch, deadline, stop.signal, context.maxRecordsPerRead);
            // A reset log makes the reader's offsets meaningless: end the response; its next
            // request learns why (410).
            if (fresh === undefined) return end();
            if (fresh.length === 0) {
              if (stop.signal.aborted || Date.now() >= closeAt) return end();
              // Keep-alive: the reader learns it is still caught up (and gets a fresh cursor).
              send(control(true));
              return;
            }
            // New records: loop to read them as a page, so the reader gets them in order.
          }
        } catch {
          // The store failed or the reader went away: end the response; the reader resumes.
          try {
            end();
          } catch {
            // Already closed by the reader going away.
          }
        }
      },
      cancel: () => stop.abort(),
    },
    // Room for a few pages of small records at most; a reader that stops reading stops the reads.
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  );
  return {
    status: 200,
    headers: { ...context.base, 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-store' },
    body,
  };
}
