// The HTTP side every model API double shares: a local server that records each request with its
// JSON body, hands out scripted answers in order, and tells a test when requests have arrived.
// Each double supplies only its API: how it fails, and how it answers one request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request a double received. */
export interface RecordedApiRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body (the API's parameters). */
  body: Record<string, unknown>;
  /** The request id the double answered with (its API's request-id header). */
  requestId: string;
  /** Resolves when the connection of this request closed; `true` when the client closed it before the response ended. */
  closed: Promise<{ closedByClient: boolean }>;
}

/** A running double of a model API. */
export interface ApiDouble<Answer, Recorded extends RecordedApiRequest = RecordedApiRequest> {
  /** Base URL to hand to the SDK. */
  readonly baseURL: string;
  /** Every request received, oldest first. */
  readonly requests: Recorded[];
  /** Appends answers to the script. */
  script(...responses: Answer[]): void;
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number): Promise<Recorded[]>;
  close(): Promise<void>;
}

/** One request, as the double's API sees it once its body parsed. */
export interface ApiExchange<Answer> {
  request: IncomingMessage;
  response: ServerResponse;
  requestId: string;
  body: Record<string, unknown>;
  /** Takes the next scripted answer (the fallback once the script is empty); call it once the request is accepted. */
  nextAnswer(): Answer;
  /** Waits this long; the wait is cleared when the double closes. */
  wait(ms: number): Promise<void>;
}

/** What makes a double speak one API. */
export interface ApiDialect<Answer> {
  /** The one route it answers (`/v1/messages`). */
  path: string;
  /** The base URL an SDK wants for a server on this port. */
  baseURL(port: number): string;
  /** A fresh request id. */
  requestId(): string;
  /** Answers with the API's JSON error body for this status. */
  fail(response: ServerResponse, requestId: string, status: number, message: string): void;
  /** Checks and answers one request. */
  answer(exchange: ApiExchange<Answer>): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    request.on('error', reject);
  });
}

/** Starts a double on 127.0.0.1 (port 0) that speaks `dialect`, answering with `fallback` once its script is empty. */
export async function startApiDouble<Answer>(dialect: ApiDialect<Answer>, fallback: Answer): Promise<ApiDouble<Answer>> {
  const queue: Answer[] = [];
  const requests: RecordedApiRequest[] = [];
  const waiters: Array<{ count: number; resolve: (requests: RecordedApiRequest[]) => void }> = [];
  const timers = new Set<NodeJS.Timeout>();

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = dialect.requestId();
    let finished = false;
    const closed = new Promise<{ closedByClient: boolean }>((resolve) => {
      response.on('close', () => resolve({ closedByClient: !finished }));
    });
    response.on('finish', () => {
      finished = true;
    });
    const raw = await readBody(request);
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (request.method !== 'POST' || path !== dialect.path) {
      dialect.fail(response, requestId, 404, `No route for ${request.method} ${path}`);
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      dialect.fail(response, requestId, 400, 'The request body is not valid JSON.');
      return;
    }
    requests.push({ method: request.method, path, headers: request.headers, body, requestId, closed });
    for (const waiter of [...waiters]) {
      if (requests.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(requests.slice());
      }
    }
    await dialect.answer({ request, response, requestId, body, nextAnswer: () => queue.shift() ?? fallback, wait });
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) dialect.fail(response, dialect.requestId(), 500, String(error));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: dialect.baseURL(port),
    requests,
    script: (...responses) => {
      queue.push(...responses);
    },
    waitForRequests: (count) =>
      requests.length >= count ? Promise.resolve(requests.slice()) : new Promise((resolve) => waiters.push({ count, resolve })),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
