import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { PulledBody, concatenate, tooLarge, type StreamReply, type StreamRequest } from './_stream-exchange.js';
import type { DurableStreamsRequest } from './durable-streams-request.js';

// Types only from node:http: this file runs on Node, yet the module that imports it must still
// load on runtimes without Node's APIs.

const encoder = new TextEncoder();

/** The URL of a Node request (origin-form targets stay paths on this host), or undefined when Host cannot make one. */
export function urlOfNodeRequest(req: IncomingMessage): URL | undefined {
  const secure = (req.socket as { encrypted?: boolean } | null)?.encrypted === true;
  const origin = `${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
  const target = req.url ?? '/';
  try {
    return target.startsWith('/') ? new URL(`${origin}${target}`) : new URL(target, origin);
  } catch {
    return undefined;
  }
}

/** Node's request as the routes read it: headers and body straight from `IncomingMessage`. */
export function streamRequestOfNode(req: IncomingMessage, res: ServerResponse, url: URL): StreamRequest {
  return new NodeStreamRequest(req, res, url);
}

/**
 * A class rather than an object of closures: an append is answered in a few hundred
 * microseconds, and the per-request closures and abort signal were a measurable part of it.
 * The signal is made only when read.
 */
class NodeStreamRequest implements StreamRequest {
  readonly method: string;
  #controller: AbortController | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly url: URL,
  ) {
    this.method = req.method ?? 'GET';
  }

  header(name: string): string | null {
    return headerOf(this.req.headers, name);
  }

  body(maxBytes: number): Promise<Uint8Array> {
    return readNodeBody(this.req, maxBytes);
  }

  /** Aborts when the response closes before it finished (the client went away). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      const controller = new AbortController();
      this.#controller = controller;
      const res = this.res;
      // Made after the fact: a response already closed unfinished aborts at once.
      if (res.closed) {
        if (!res.writableFinished) controller.abort();
      } else {
        res.once('close', () => {
          if (!res.writableFinished) controller.abort();
        });
      }
    }
    return this.#controller.signal;
  }

  requestForAuthorize(): DurableStreamsRequest {
    return new NodeAuthorizeRequest(this);
  }
}

/**
 * What `authorize` gets on Node: read from the request as it is asked for. A Web `Request`
 * here cost 8-16 µs per append (its headers copied, and undici's own abort signal).
 */
class NodeAuthorizeRequest implements DurableStreamsRequest {
  readonly headers: NodeHeaders;
  // Private: the hook sees the request, never the response behind it.
  readonly #request: NodeStreamRequest;

  constructor(request: NodeStreamRequest) {
    this.#request = request;
    this.headers = new NodeHeaders(request.req.headers);
  }

  get method(): string {
    return this.#request.method;
  }

  get url(): string {
    return this.#request.url.href;
  }

  get signal(): AbortSignal {
    return this.#request.signal;
  }
}

/** Node's parsed headers behind the two reads of a Web `Headers` that `authorize` needs. */
class NodeHeaders {
  readonly #incoming: IncomingHttpHeaders;

  constructor(incoming: IncomingHttpHeaders) {
    this.#incoming = incoming;
  }

  get(name: string): string | null {
    return headerOf(this.#incoming, name);
  }

  has(name: string): boolean {
    return headerOf(this.#incoming, name) !== null;
  }
}

/**
 * A header of Node's request, or null. Node keys them lower-case and joins a repeated header
 * with `, ` (`; ` for cookie) as Headers does, except the fields it takes once (authorization,
 * content-type, host, ...), which keep their first value; set-cookie stays a list, joined here.
 * The type checks keep names such as `constructor` from reaching the object's prototype.
 */
function headerOf(incoming: IncomingHttpHeaders, name: string): string | null {
  const value: unknown = incoming[name.toLowerCase()];
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : null;
}

/** Reads the body (or takes the one a framework already parsed), refusing it past `maxBytes`. */
function readNodeBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const parsed = (req as { body?: unknown }).body;
  if (parsed !== undefined) {
    const bytes = typeof parsed === 'string' ? encoder.encode(parsed) : parsed instanceof Uint8Array ? new Uint8Array(parsed) : encoder.encode(JSON.stringify(parsed));
    return bytes.length > maxBytes ? Promise.reject(tooLarge(maxBytes)) : Promise.resolve(bytes);
  }
  if (Number(req.headers['content-length'] ?? '0') > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return readArrivingBody(req, maxBytes);
}

/** A body still arriving: what came so far and how to settle the read. */
interface PendingBody {
  chunks: Uint8Array[];
  total: number;
  maxBytes: number;
  resolve(body: Uint8Array): void;
  reject(error: unknown): void;
}

const pendingBody = Symbol('pendingBody');
type ReadingRequest = IncomingMessage & { [pendingBody]?: PendingBody };

/**
 * Reads a body still arriving, chunk by chunk, refusing it once it passes `maxBytes`. The
 * listeners are module functions (Node calls them with the request as `this`) and the state
 * rides on the request, so a read makes no closures.
 */
function readArrivingBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    (req as ReadingRequest)[pendingBody] = { chunks: [], total: 0, maxBytes, resolve, reject };
    req.on('data', onBodyData);
    req.on('end', onBodyEnd);
    req.on('error', onBodyError);
  });
}

/** Stops listening and hands back the read's state. */
function stopReading(req: ReadingRequest): PendingBody {
  req.off('data', onBodyData);
  req.off('end', onBodyEnd);
  req.off('error', onBodyError);
  const pending = req[pendingBody]!;
  req[pendingBody] = undefined;
  return pending;
}

function onBodyData(this: ReadingRequest, chunk: Uint8Array): void {
  const pending = this[pendingBody]!;
  pending.total += chunk.length;
  if (pending.total > pending.maxBytes) {
    stopReading(this);
    // Let the rest flow away unread so the connection can answer.
    this.resume();
    pending.reject(tooLarge(pending.maxBytes));
    return;
  }
  pending.chunks.push(chunk);
}

function onBodyEnd(this: ReadingRequest): void {
  const { chunks, total, resolve } = stopReading(this);
  // A copy: a body kept by the store must not share memory with Node's buffers.
  resolve(chunks.length === 1 ? new Uint8Array(chunks[0]!) : concatenate(chunks, total));
}

function onBodyError(this: ReadingRequest, error: unknown): void {
  stopReading(this).reject(error);
}

/**
 * Writes a reply to Node's response; a stream body is written at the reader's pace, and only
 * then is there something to wait for (a plain reply is written at once, with no promise).
 */
export function writeNodeReply(reply: StreamReply, res: ServerResponse): Promise<void> | undefined {
  const { body } = reply;
  if (body instanceof PulledBody) return writePulled(reply.status, reply.headers, body, res);
  if (!(body instanceof ReadableStream)) {
    res.writeHead(reply.status, reply.headers).end(body ?? undefined);
    return undefined;
  }
  return writeStream(reply.status, reply.headers, body, res);
}

/** Writes a Web stream body at the reader's pace. */
async function writeStream(status: number, headers: Record<string, string>, body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<void> {
  res.writeHead(status, headers);
  res.flushHeaders();
  const reader = body.getReader();
  let closed = false;
  let wake: (() => void) | undefined;
  const onClose = (): void => {
    closed = true;
    wake?.();
    reader.cancel().catch(() => undefined);
  };
  const onDrain = (): void => wake?.();
  res.once('close', onClose);
  res.on('drain', onDrain);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || closed) break;
      if (!res.write(value) && !closed) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    if (!closed) res.end();
  } catch {
    res.destroy();
  } finally {
    res.off('close', onClose);
    res.off('drain', onDrain);
  }
}

/** Writes a pulled body straight to the response, pulling again while the socket takes what it is given. */
async function writePulled(status: number, headers: Record<string, string>, body: PulledBody, res: ServerResponse): Promise<void> {
  res.writeHead(status, headers);
  res.flushHeaders();
  let closed = false;
  let finished = false;
  let full = false;
  let wake: (() => void) | undefined;
  const onClose = (): void => {
    closed = true;
    wake?.();
    body.cancel();
  };
  const onDrain = (): void => wake?.();
  res.once('close', onClose);
  res.on('drain', onDrain);
  const sink = {
    enqueue(chunk: Uint8Array): void {
      if (!closed && !res.write(chunk)) full = true;
    },
    close(): void {
      finished = true;
    },
  };
  try {
    while (!closed && !finished) {
      await body.pull(sink);
      if (full && !closed) await new Promise<void>((resolve) => (wake = resolve));
      full = false;
      wake = undefined;
    }
    if (!closed) res.end();
  } catch {
    res.destroy();
  } finally {
    res.off('close', onClose);
    res.off('drain', onDrain);
  }
}
