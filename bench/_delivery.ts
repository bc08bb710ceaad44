// What the delivery benches share: a durable server (memory store or SQLite on disk) and a raw
// `ws` server to compare it with, WebSocket clients in a child process, and producers.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SessionEvent } from '@marketing-team/core';
import {
  attachWebSocket,
  createMarketingTeamServer,
  createNodeListener,
  MemoryStore,
  type MarketingTeamServer,
  type SessionStore,
} from '@marketing-team/server';
import { SqliteStore } from '@marketing-team/server/sqlite';
import { WebSocketServer } from 'ws';

// The benches open thousands of connections as one user; quotas are not what they measure.
const BENCH_LIMITS = { connectionsPerPrincipal: 1e6, connectionsPerSession: 1e6, connectionsPerAddress: 1e6, concurrentRunsPerPrincipal: 1e4, concurrentRunsPerSession: 1e4, briefsPerMinutePerPrincipal: 1e6, briefsPerMinutePerSession: 1e6, briefsPerMinutePerAddress: 1e6, onLimit: () => undefined };
const secret = randomBytes(32).toString('hex');

/** The durable server: HTTP + WebSocket over a session store, quotas out of the way. */
export interface Durable {
  url: string;
  store: SessionStore;
  server: MarketingTeamServer;
  token(session: string): Promise<string>;
  close(): Promise<void>;
}

/** SQLite on local disk: `full` (the default) fsyncs every commit; `normal` survives a process crash, not a power loss. */
export type Synchronous = 'full' | 'normal';

/** Starts a durable server on a free port, over the memory store or a fresh SQLite file. */
export async function startDurable(kind: StoreKind = 'full'): Promise<Durable> {
  const dir = mkdtempSync(join(tmpdir(), 'mt-bench-'));
  const store = kind === 'memory' ? new MemoryStore() : new SqliteStore({ path: join(dir, 'sessions.db'), synchronous: kind });
  const server = createMarketingTeamServer({ store, tokens: { secret }, allowedOrigins: '*', rateLimit: { messagesPerSecond: 1e6, burst: 1e6 }, limits: BENCH_LIMITS });
  const http = createServer(createNodeListener(server));
  const ws = attachWebSocket(http, server);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    store,
    server,
    token: (session) => server.tokens.mint({ session, userId: 'bench', capabilities: ['read'], ttlSeconds: 3600 }),
    async close() {
      ws.close();
      await server.close();
      http.closeAllConnections();
      http.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw `ws` server with no log: the baseline that does only the delivery. */
export interface Raw {
  url: string;
  wss: WebSocketServer;
  close(): Promise<void>;
}

/** Starts a raw `ws` server on a free port. */
export async function startRaw(): Promise<Raw> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
    wss,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.close();
    },
  };
}

/** A `text.delta` event, the bulk of every session. */
export function delta(index: number, text = `token-${index} `, messageId = 'm1'): SessionEvent {
  return { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId, text };
}

/** Appends `count` deltas, `window` appends in flight at a time (as concurrent agents would). */
export async function produce(store: SessionStore, session: string, count: number, window = 64): Promise<void> {
  for (let start = 0; start < count; start += window) {
    const batch: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(count, start + window); i++) batch.push(store.append(session, [delta(i)]));
    await Promise.all(batch);
  }
}

/** One kind of store behind the durable server: the memory store, or SQLite on local disk. */
export type StoreKind = 'memory' | Synchronous;

/** How a row names its store. */
export const storeLabel = (kind: StoreKind) => (kind === 'memory' ? 'memory store' : `SQLite ${kind}`);




/** What the child's clients report once each has received what it expected. */
export interface ClientsResult {
  frames: number;
  records: number;
  batchSizes: number[];
  delays: number[];
}

/**
 * Clients in a child process (bench/_delivery-clients.mjs), so their parsing never shares the
 * server's event loop. Resolves once all are connected (and subscribed); `result` resolves when
 * each has received `expect` records.
 */
export async function startClients(
  url: string,
  subscribes: (object | null)[],
  expect: number,
  timed: boolean,
): Promise<{ result: Promise<ClientsResult>; stop(): Promise<void> }> {
  const script = fileURLToPath(new URL('./_delivery-clients.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify({ url, subscribes, expect, timed }));
  const lines: ((line: string) => void)[] = [];
  let buffered = '';
  child.stdout.on('data', (data: Buffer) => {
    buffered += data.toString();
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      lines.shift()?.(line);
    }
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`bench clients exited with ${code}`))));
  const nextLine = () => Promise.race([new Promise<string>((resolve) => lines.push(resolve)), exited]);
  await nextLine();
  const result = nextLine().then((line) => JSON.parse(line) as ClientsResult);
  result.catch(() => undefined);
  exited.catch(() => undefined);
  return {
    result,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill();
      await once(child, 'exit');
    },
  };
}

/** Resolves on the next turn of the event loop. */
export const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
/** Milliseconds since the epoch with sub-millisecond precision, comparable across processes. */
export const wallClock = () => performance.timeOrigin + performance.now();

/**
 * Appends `count` deltas on a fixed schedule: `perTurn` appends per event-loop turn, never
 * waiting for one to be stored before the next is made (as agents streaming tokens do).
 */
export async function produceOnSchedule(store: SessionStore, session: string, count: number, perTurn = 64): Promise<void> {
  const appends: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    appends.push(store.append(session, [delta(i)]));
    if (i % perTurn === perTurn - 1) await nextTurn();
  }
  await Promise.all(appends);
}

/** The heap in use once garbage is collected (run with --expose-gc) and the process has settled. */
export async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 100));
  }
  return process.memoryUsage().heapUsed;
}
