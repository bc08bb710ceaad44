import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { DurableStreamsHandler } from './durable-streams-handler.js';

/**
 * Adapts the Web-standard handler to `node:http` (for standalone use, tests and the bench; the
 * session server mounts the handler through its own adapter). Requests the handler does not
 * claim get a 404. Closing the connection aborts the request's signal and ends any live read.
 */
export function toNodeListener(handler: DurableStreamsHandler): (request: IncomingMessage, response: ServerResponse) => void {
  return (incoming, outgoing) => {
    const abort = new AbortController();
    outgoing.on('close', () => abort.abort());
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (Array.isArray(value)) for (const item of value) headers.append(name, item);
      else if (value !== undefined) headers.set(name, value);
    }
    const method = incoming.method ?? 'GET';
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const request = new Request(`http://${incoming.headers.host ?? 'localhost'}${incoming.url ?? '/'}`, {
      method,
      headers,
      signal: abort.signal,
      ...(hasBody ? { body: Readable.toWeb(incoming) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
    } as RequestInit);
    void respond(handler, request, outgoing);
  };
}

async function respond(handler: DurableStreamsHandler, request: Request, outgoing: ServerResponse): Promise<void> {
  let response: Response | undefined;
  try {
    response = (await handler(request)) ?? new Response('not found', { status: 404 });
  } catch {
    response = new Response('internal error', { status: 500 });
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  outgoing.writeHead(response.status, headers);
  if (!response.body || request.method === 'HEAD') {
    outgoing.end();
    return;
  }
  outgoing.flushHeaders();
  const reader = response.body.getReader();
  outgoing.on('close', () => void reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!outgoing.write(value)) await new Promise<void>((resolve) => outgoing.once('drain', resolve));
    }
  } catch {
    // The client went away mid-stream; nothing to answer.
  }
  outgoing.end();
}
