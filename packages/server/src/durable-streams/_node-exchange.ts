import type { IncomingMessage, ServerResponse } from 'node:http';
import { PulledBody, concatenate, tooLarge, type StreamReply, type StreamRequest } from './_stream-exchange.js';

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
 * The signal and the Web `Request` are made only when asked for.
 */
class NodeStreamRequest implements StreamRequest {
  readonly method: string;
  #controller: AbortController | undefined;
  #web: Request | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly url: URL,
  ) {
    this.method = req.method ?? 'GET';
  }

  header(name: string): string | null {
    const value = this.req.headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
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

  webRequest(): Request {
    if (!this.#web) {
      // Headers appended to the Request's own list: cheaper than a headers init, which undici
      // converts (WebIDL) before it appends the same way.
      const web = new Request(this.url, { method: this.method });
      const headers = web.headers;
      const incoming = this.req.headers;
      for (const name in incoming) {
        const value = incoming[name];
        if (Array.isArray(value)) for (const item of value) headers.append(name, item);
        else if (value !== undefined) headers.append(name, value);
      }
      // A signal given to the constructor is followed through a signal of undici's own (a
      // listener, a weak reference, a finalizer): most of a Request's cost, paid on every
      // request. The request's own signal is shown as the Request's instead, made when read.
      (web as OwnedRequest)[requestOwner] = this;
      Object.defineProperty(web, 'signal', signalOfOwner);
      this.#web = web;
    }
    return this.#web;
  }
}

const requestOwner = Symbol('requestOwner');
type OwnedRequest = Request & { [requestOwner]?: NodeStreamRequest };

/** The `signal` of a Request made for `authorize`: its request's, made when first read. */
const signalOfOwner: PropertyDescriptor = {
  get(this: OwnedRequest): AbortSignal {
    return this[requestOwner]!.signal;
  },
  enumerable: true,
  configurable: true,
};

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
