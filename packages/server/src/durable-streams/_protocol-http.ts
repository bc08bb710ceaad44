import { StreamHttpError } from './_stream-error.js';
import type { StreamReply } from './_stream-exchange.js';
import { isWellFormedStreamOffset, parseStreamOffset } from './stream-offset.js';

/** Header names of the protocol (HTTP header names are case-insensitive). */
export const Header = {
  nextOffset: 'Stream-Next-Offset',
  upToDate: 'Stream-Up-To-Date',
  cursor: 'Stream-Cursor',
  closed: 'Stream-Closed',
  ttl: 'Stream-TTL',
  expiresAt: 'Stream-Expires-At',
  seq: 'Stream-Seq',
  producerId: 'Producer-Id',
  producerEpoch: 'Producer-Epoch',
  producerSeq: 'Producer-Seq',
  forkedFrom: 'Stream-Forked-From',
  forkOffset: 'Stream-Fork-Offset',
  forkSubOffset: 'Stream-Fork-Sub-Offset',
  sseDataEncoding: 'Stream-SSE-Data-Encoding',
} as const;

const REQUEST_HEADERS = [
  'content-type',
  'authorization',
  'if-none-match',
  Header.seq,
  Header.ttl,
  Header.expiresAt,
  Header.closed,
  Header.producerId,
  Header.producerEpoch,
  Header.producerSeq,
  Header.forkedFrom,
  Header.forkOffset,
  Header.forkSubOffset,
].join(', ');

const EXPOSED_HEADERS = [
  Header.nextOffset,
  Header.cursor,
  Header.upToDate,
  Header.closed,
  Header.ttl,
  Header.expiresAt,
  Header.producerEpoch,
  Header.producerSeq,
  'Producer-Expected-Seq',
  'Producer-Received-Seq',
  Header.sseDataEncoding,
  'etag',
  'content-type',
  'location',
].join(', ');

/** Headers every response carries (protocol section 10.7), plus CORS when the origin is allowed. */
export function baseHeaders(corsOrigin: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': corsOrigin ? 'cross-origin' : 'same-origin',
  };
  if (corsOrigin) {
    headers['access-control-allow-origin'] = corsOrigin;
    headers['access-control-expose-headers'] = EXPOSED_HEADERS;
    if (corsOrigin !== '*') headers['vary'] = 'origin';
  }
  return headers;
}

/** The answer to a CORS preflight. */
export function preflightHeaders(): Record<string, string> {
  return {
    'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
    'access-control-allow-headers': REQUEST_HEADERS,
    'access-control-max-age': '600',
  };
}

/** A plain-text error reply (never echoes request content as HTML). */
export function errorReply(error: StreamHttpError, base: Record<string, string>): StreamReply {
  return {
    status: error.status,
    headers: { ...base, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...error.headers },
    body: error.message,
  };
}

/** The `offset` query parameter: a position to read after, `now`, or the start. */
export type ReadPosition = { kind: 'start' } | { kind: 'now' } | { kind: 'after'; offset: number };

/** Parses `offset` (absent or `-1`: the start; `now`: the tail; else one of our offsets). */
export function readPosition(url: URL): ReadPosition {
  const values = url.searchParams.getAll('offset');
  if (values.length === 0) return { kind: 'start' };
  if (values.length > 1) throw new StreamHttpError(400, 'offset: give it once');
  const text = values[0]!;
  if (text === '-1') return { kind: 'start' };
  if (text === 'now') return { kind: 'now' };
  if (!isWellFormedStreamOffset(text)) throw new StreamHttpError(400, 'offset: not a stream offset');
  const offset = parseStreamOffset(text);
  // A well-formed offset this server never issued lies beyond every tail.
  return { kind: 'after', offset: offset ?? Number.MAX_SAFE_INTEGER };
}

/** The `live` query parameter. */
export function liveMode(url: URL): 'catch-up' | 'long-poll' | 'sse' {
  const live = url.searchParams.get('live');
  if (live === null) return 'catch-up';
  if (live === 'long-poll' || live === 'sse') {
    if (!url.searchParams.has('offset')) throw new StreamHttpError(400, `offset: required with live=${live}`);
    return live;
  }
  throw new StreamHttpError(400, 'live: expected long-poll or sse');
}

const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);
const CURSOR_INTERVAL_SECONDS = 20;

/**
 * The `Stream-Cursor` of a live response (protocol section 8.1): the current 20-second interval
 * since 2024-10-09, or, when the client already holds that interval or a later one, its cursor
 * plus a random jitter of 1 to 3600 seconds, so cursors only move forward and CDN keys rotate.
 */
export function responseCursor(clientCursor: string | null, now = Date.now()): string {
  const current = Math.floor((now - CURSOR_EPOCH_MS) / (CURSOR_INTERVAL_SECONDS * 1000));
  if (clientCursor === null || !/^\d{1,15}$/.test(clientCursor)) return String(current);
  const client = Number(clientCursor);
  if (client < current) return String(current);
  const jitterSeconds = 1 + Math.floor(Math.random() * 3600);
  return String(client + Math.max(1, Math.ceil(jitterSeconds / CURSOR_INTERVAL_SECONDS)));
}

/**
 * One SSE event. Every line of the payload gets its own `data:` prefix, splitting on CR, LF and
 * CRLF alike, so a payload can never end the event early or inject another one.
 */
export function sseEvent(event: 'data' | 'control', payload: string): string {
  return `event: ${event}\n${payload
    .split(/\r\n|\r|\n/)
    .map((line) => `data:${line}`)
    .join('\n')}\n\n`;
}

/**
 * A non-negative decimal integer: digits only (no sign, point or exponent); `strict` also
 * refuses leading zeros, as `Stream-TTL` requires.
 */
export function decimalInteger(text: string, field: string, strict: boolean): number {
  if (!(strict ? /^(0|[1-9]\d*)$/ : /^\d+$/).test(text)) {
    throw new StreamHttpError(400, `${field}: expected a non-negative integer`);
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new StreamHttpError(400, `${field}: larger than 2^53-1`);
  return value;
}

/** ETag of a read: which stream, which range, and whether it ended closed. */
export function readEtag(path: string, start: string, end: string, closed: boolean): string {
  return `"${encodeURIComponent(path)}:${start}:${end}${closed ? ':c' : ''}"`;
}
