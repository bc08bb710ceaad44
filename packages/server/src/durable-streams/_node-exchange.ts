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
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const method = req.method ?? 'GET';
  let web: Request | undefined;
  return {
    method,
    url,
    header(name) {
      const value = req.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
    body: (maxBytes) => readNodeBody(req, maxBytes),
    signal: controller.signal,
    webRequest() {
      if (!web) {
        const headers: [string, string][] = [];
        for (const [name, value] of Object.entries(req.headers)) {
          if (Array.isArray(value)) for (const item of value) headers.push([name, item]);
          else if (value !== undefined) headers.push([name, value]);
        }
        // A signal given to the constructor is followed through a signal of undici's own (a
        // listener, a weak reference, a finalizer): most of a Request's cost, paid on every
        // request. The request's signal is shown as the Request's instead.
        web = new Request(url, { method, headers });
        Object.defineProperty(web, 'signal', { value: controller.signal, enumerable: true });
      }
      return web;
    },
  };
}

/** Reads the body (or takes the one a framework already parsed), refusing it past `maxBytes`. */
async function readNodeBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const parsed = (req as { body?: unknown }).body;
  if (parsed !== undefined) {
    const bytes = typeof parsed === 'string' ? encoder.encode(parsed) : parsed instanceof Uint8Array ? new Uint8Array(parsed) : encoder.encode(JSON.stringify(parsed));
    if (bytes.length > maxBytes) throw tooLarge(maxBytes);
    return bytes;
  }
  if (Number(req.headers['content-length'] ?? '0') > maxBytes) throw tooLarge(maxBytes);
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Uint8Array): void => {
      total += chunk.length;
      if (total > maxBytes) {
        stop();
        // Let the rest flow away unread so the connection can answer.
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    // A copy: a body kept by the store must not share memory with Node's buffers.
    const onEnd = (): void => {
      stop();
      resolve(chunks.length === 1 ? new Uint8Array(chunks[0]!) : concatenate(chunks, total));
    };
    const onError = (error: unknown): void => {
      stop();
      reject(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Writes a reply to Node's response; a stream body is written at the reader's pace. */
export async function writeNodeReply(reply: StreamReply, res: ServerResponse): Promise<void> {
  const { body } = reply;
  if (body instanceof PulledBody) return writePulled(reply.status, reply.headers, body, res);
  if (!(body instanceof ReadableStream)) {
    res.writeHead(reply.status, reply.headers).end(body ?? undefined);
    return;
  }
  res.writeHead(reply.status, reply.headers);
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
