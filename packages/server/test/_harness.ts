import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import {
  PROTOCOL_VERSION,
  applyRecords,
  createSessionState,
  type Capability,
  type ClientFrame,
  type ServerFrame,
  type SessionRecord,
  type SessionState,
} from '@marketing-team/core';
import {
  attachWebSocket,
  createMarketingTeamServer,
  createNodeListener,
  type MarketingTeamServer,
  type MarketingTeamServerOptions,
} from '../src/http/index.js';
import type { SessionStore } from '../src/stores/session-store.js';
import { seededRandom } from '../src/_seeded-random.js';

/** A random secret per test run, handed to child processes through the environment they inherit. */
export const SECRET = (process.env.MT_TEST_SECRET ??= randomBytes(32).toString('hex'));
/**
 * Tests open many connections and runs as one user; each limit is tested on its own in
 * limits.test.ts, so the shared server is given room to spare.
 */
export const ROOMY_LIMITS = {
  connectionsPerPrincipal: 100_000,
  connectionsPerSession: 100_000,
  connectionsPerAddress: 100_000,
  concurrentRunsPerPrincipal: 10_000,
  concurrentRunsPerSession: 10_000,
  briefsPerMinutePerPrincipal: 100_000,
  briefsPerMinutePerSession: 100_000,
  briefsPerMinutePerAddress: 100_000,
  onLimit: () => undefined,
};
export const ORIGIN = 'http://app.example';

/** A server listening on a random port. */
export interface RunningServer {
  server: MarketingTeamServer;
  http: Server;
  url: string;
  wsUrl: string;
  token(session: string, capabilities?: Capability[], userId?: string, ttlSeconds?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startServer(
  store: SessionStore,
  options: Partial<Omit<MarketingTeamServerOptions, 'store'>> = {},
): Promise<RunningServer> {
  const server = createMarketingTeamServer({
    store,
    tokens: { secret: SECRET },
    allowedOrigins: [ORIGIN],
    onError: () => undefined,
    limits: ROOMY_LIMITS,
    ...options,
  });
  const http = createServer(createNodeListener(server));
  const ws = attachWebSocket(http, server);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}${server.basePath}`;
  return {
    server,
    http,
    url,
    wsUrl: `ws://127.0.0.1:${port}${server.websocket.path}`,
    token: (session, capabilities = ['read', 'write', 'control'], userId = 'user-1', ttlSeconds = 600) =>
      server.tokens.mint({ session, userId, capabilities, ttlSeconds }),
    async close() {
      ws.close();
      await server.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** A temporary folder removed by `cleanup`. */
export function tempDir(): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), 'mt-server-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A deterministic pseudo-random generator (mulberry32). */
export const random = seededRandom;

/**
 * Publishes one event as a fresh device would: connects, subscribes with `token`, publishes with
 * `clientMsgId`, and resolves with the server's answer (`ack` or `error`).
 */
export async function publishOnce(url: string, token: string, session: string, clientMsgId: string, event: Record<string, unknown>): Promise<ServerFrame> {
  const socket = await RawClient.connect(url);
  socket.send({ type: 'subscribe', session, token });
  await socket.next((frame) => frame.type === 'subscribed');
  socket.send({ type: 'publish', session, clientMsgId, event });
  const answer = await socket.next((frame) => frame.type === 'ack' || frame.type === 'error');
  socket.close();
  return answer;
}

/** A raw WebSocket client that records every server frame and lets a test wait for one. */
export class RawClient {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  bytes = 0;
  #waiters: Array<{ test: (frame: ServerFrame) => boolean; resolve: (frame: ServerFrame) => void }> = [];
  #seen = 0;

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('message', (data) => {
      const text = data.toString();
      this.bytes += Buffer.byteLength(text);
      const frame = JSON.parse(text) as ServerFrame;
      this.frames.push(frame);
      this.onFrame?.(frame);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.test(frame)) return true;
        waiter.resolve(frame);
        return false;
      });
    });
    socket.on('error', () => undefined);
  }

  /** Called for every frame as it arrives. */
  onFrame?: (frame: ServerFrame) => void;

  static async connect(url: string, options: { origin?: string; hello?: boolean; clientId?: string } = {}): Promise<RawClient> {
    const socket = new WebSocket(url, { origin: options.origin ?? ORIGIN });
    const client = new RawClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    });
    if (options.hello !== false) {
      client.send({ type: 'hello', protocol: PROTOCOL_VERSION, clientId: options.clientId ?? `client-${Math.random().toString(36).slice(2)}` });
      await client.next((frame) => frame.type === 'welcome');
    }
    return client;
  }

  send(frame: ClientFrame | Record<string, unknown> | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first frame (not consumed by an earlier `next`) that passes `test`. */
  next<T extends ServerFrame = ServerFrame>(test: (frame: ServerFrame) => boolean, timeoutMs = 20_000): Promise<T> {
    for (let i = this.#seen; i < this.frames.length; i++) {
      const frame = this.frames[i]!;
      if (test(frame)) {
        this.#seen = i + 1;
        return Promise.resolve(frame as T);
      }
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a frame')), timeoutMs);
      this.#waiters.push({
        test,
        resolve: (frame) => {
          clearTimeout(timer);
          this.#seen = this.frames.length;
          resolve(frame as T);
        },
      });
    });
  }

  close(): void {
    this.socket.close();
  }

  terminate(): void {
    this.socket.terminate();
  }
}

/**
 * Applies what a client receives the way a real client does, and fails loudly on a gap or a
 * duplicate: records must arrive at exactly `offset + 1`.
 */
export class Follower {
  state: SessionState = createSessionState();
  epoch = '';
  readonly records: SessionRecord[] = [];
  readonly problems: string[] = [];

  get offset(): number {
    return this.state.offset;
  }

  onFrame(frame: ServerFrame): void {
    if (frame.type === 'snapshot') {
      this.state = frame.state;
      this.epoch = frame.epoch;
    } else if (frame.type === 'subscribed') {
      this.epoch = frame.epoch;
    } else if (frame.type === 'events') {
      this.applyBatch(frame.batch);
    }
  }

  applyBatch(batch: SessionRecord[]): void {
    for (const record of batch) {
      if (record.offset !== this.state.offset + 1) {
        this.problems.push(`expected offset ${this.state.offset + 1}, got ${record.offset}`);
        if (record.offset <= this.state.offset) continue;
      }
      this.records.push(record);
      this.state = applyRecords(this.state, [record]);
    }
  }
}

/** Polls `check` until it returns true. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** True once the log holds a terminal event for `runId`. */
export async function runEnded(store: SessionStore, session: string, runId: string): Promise<boolean> {
  // The terminal event is among the newest; reading the whole log on every poll would be slow.
  const head = await store.head(session);
  const records = await store.read(session, Math.max(0, head.offset - 50));
  return records.some((record) => 'runId' in record.event && record.event.runId === runId && record.event.type.startsWith('run.') && record.event.type !== 'run.started');
}

/** Reads a whole log. */
export async function readAll(store: SessionStore, session: string): Promise<SessionRecord[]> {
  const out: SessionRecord[] = [];
  for (;;) {
    const page = await store.read(session, out.length ? out[out.length - 1]!.offset : 0, 5000);
    if (page.length === 0) return out;
    out.push(...page);
  }
}

/** The text a scripted producer writes, from the log. */
export function deltaText(records: readonly SessionRecord[]): string {
  let text = '';
  for (const record of records) if (record.event.type === 'text.delta') text += record.event.text;
  return text;
}

/** A minimal Server-Sent Events reader over fetch, for the fallback transport. */
export async function readEventStream(
  url: string,
  options: { token: string; lastEventId?: number; signal: AbortSignal },
  onEvent: (event: { event: string; id?: string; data: string }) => void,
): Promise<void> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
  if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
  const response = await fetch(url, { headers, signal: options.signal });
  if (!response.ok || !response.body) throw new Error(`event stream refused: ${response.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        let id: string | undefined;
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = value;
          else if (field === 'id') id = value;
          else if (field === 'data') data.push(value);
        }
        if (data.length > 0) onEvent({ event, ...(id !== undefined ? { id } : {}), data: data.join('\n') });
      }
    }
  } catch (error) {
    if (!options.signal.aborted) throw error;
  }
}
