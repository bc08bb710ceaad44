import { StreamHttpError } from './_stream-error.js';
import type { DurableStreamsRequest } from './durable-streams-request.js';

/**
 * One request as the Durable Streams routes read it, whatever runtime it came from: a Web
 * `Request` (any runtime) or Node's `IncomingMessage` (served without converting, see
 * `_node-exchange.ts`). The routes and the engine are written once against this.
 */
export interface StreamRequest {
  readonly method: string;
  readonly url: URL;
  /** A header's value (names are case-insensitive), or null. */
  header(name: string): string | null;
  /** The whole body; past `maxBytes` it is refused (413) without being read further. */
  body(maxBytes: number): Promise<Uint8Array>;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** The request as an `authorize` hook sees it; made only when asked. */
  requestForAuthorize(): DurableStreamsRequest;
}

/** Where a pulled body writes: the `ReadableStream` controller on the Web, the response on Node. */
export interface BodySink {
  enqueue(chunk: Uint8Array): void;
  close(): void;
}

/**
 * A body written as the reader takes it (SSE): each `pull` writes at least one chunk, or closes.
 * On Node it is written straight to the response, with no Web stream between (each chunk of
 * one costs several promise hops per reader); on the Web it becomes a `ReadableStream`.
 */
export class PulledBody {
  constructor(
    readonly pull: (sink: BodySink) => Promise<void>,
    /** The reader went away. */
    readonly cancel: () => void,
  ) {}

  /** The body as a Web stream, room for a page or so queued: a reader that stops reading stops the pulls. */
  toReadableStream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        // A chunk may be shared by every live reader of a stream: each Web reader gets its own copy,
        // so one that writes into what it read cannot change what the others read.
        pull: (controller) => this.pull({ enqueue: (chunk) => controller.enqueue(chunk.slice()), close: () => controller.close() }),
        cancel: () => this.cancel(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
    );
  }
}

/** One answer as the routes write it. A stream body (SSE) is pulled at the reader's pace. */
export interface StreamReply {
  status: number;
  headers: Record<string, string>;
  body?: string | Uint8Array | ReadableStream<Uint8Array> | PulledBody | null;
}

/** A Web `Request` as the routes read it. */
export function streamRequestOfWeb(request: Request, url: URL): StreamRequest {
  return {
    method: request.method,
    url,
    header: (name) => request.headers.get(name),
    body: (maxBytes) => readWebBody(request, maxBytes),
    signal: request.signal,
    requestForAuthorize: () => request,
  };
}

/** A reply as a Web `Response`. */
export function webResponseOf(reply: StreamReply): Response {
  // Stored bytes are plain ArrayBuffer-backed arrays (never shared memory).
  const body = reply.body instanceof PulledBody ? reply.body.toReadableStream() : reply.body;
  return new Response((body ?? null) as BodyInit | null, { status: reply.status, headers: reply.headers });
}

/** Reads a Web request's whole body (refused past `maxBytes`). */
async function readWebBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return concatenate(chunks, total);
}

/** The 413 of a body past the limit. */
export function tooLarge(maxBytes: number): StreamHttpError {
  return new StreamHttpError(413, `body: larger than ${maxBytes} bytes`);
}

/** Joins chunks into one array (the chunk itself when there is one). */
export function concatenate(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let position = 0;
  for (const chunk of chunks) {
    body.set(chunk, position);
    position += chunk.length;
  }
  return body;
}
