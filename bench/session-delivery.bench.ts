// Delivery through the durable session log versus a raw `ws` broadcast of the same payloads
// with no log: throughput (1 and 100 clients), added latency at 100 concurrent streams, resume
// catch-up, join cost of short and long sessions, and memory per idle client.
// Server and clients share one process (and this machine's cores) on both sides of each ratio.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SessionEvent } from '@marketing-team/core';
import {
  attachWebSocket,
  createMarketingTeamServer,
  createNodeListener,
  type MarketingTeamServer,
  type SessionStore,
} from '@marketing-team/server';
import { SqliteStore } from '@marketing-team/server/sqlite';
import WebSocket, { WebSocketServer } from 'ws';
import { benchResult, percentile, type BenchResult } from './bench-result.js';

// The benches open thousands of connections as one user; quotas are not what they measure.
const BENCH_LIMITS = { connectionsPerPrincipal: 1e6, connectionsPerSession: 1e6, connectionsPerAddress: 1e6, concurrentRunsPerPrincipal: 1e4, concurrentRunsPerSession: 1e4, briefsPerMinutePerPrincipal: 1e6, briefsPerMinutePerSession: 1e6, briefsPerMinutePerAddress: 1e6, onLimit: () => undefined };
const secret = randomBytes(32).toString('hex');

interface Durable {
  url: string;
  store: SessionStore;
  server: MarketingTeamServer;
  token(session: string): Promise<string>;
  close(): Promise<void>;
}

/** SQLite on local disk: `full` (the default) fsyncs every commit; `normal` survives a process crash, not a power loss. */
type Synchronous = 'full' | 'normal';

async function startDurable(synchronous: Synchronous = 'full'): Promise<Durable> {
  const dir = mkdtempSync(join(tmpdir(), 'mt-bench-'));
  const store = new SqliteStore({ path: join(dir, 'sessions.db'), synchronous });
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

interface Raw {
  url: string;
  wss: WebSocketServer;
  close(): Promise<void>;
}

async function startRaw(): Promise<Raw> {
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

/** A protocol client that counts records (and bytes, frames) and reports receive times. */
class ProbeClient {
  records = 0;
  bytes = 0;
  frames = 0;
  lastOffset = 0;
  snapshotBytes = 0;
  private waiters: { count: number; resolve: () => void }[] = [];
  constructor(
    readonly socket: WebSocket,
    private readonly onRecordText?: (text: string) => void,
  ) {
    socket.on('message', (data: Buffer) => {
      this.bytes += data.length;
      this.frames += 1;
      const frame = JSON.parse(data.toString()) as {
        type: string;
        offset?: number;
        batch?: { offset: number; event: { text?: string } }[];
      };
      if (frame.type === 'snapshot') {
        this.snapshotBytes += data.length;
        this.lastOffset = frame.offset ?? 0;
      }
      if (frame.type === 'events' && frame.batch) {
        for (const record of frame.batch) {
          this.records += 1;
          this.lastOffset = record.offset;
          if (this.onRecordText && record.event.text) this.onRecordText(record.event.text);
        }
      }
      this.waiters = this.waiters.filter((w) => (this.lastOffset >= w.count ? (w.resolve(), false) : true));
    });
  }
  /** Resolves once the client has applied offset `offset`. */
  reach(offset: number): Promise<void> {
    if (this.lastOffset >= offset) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count: offset, resolve }));
  }
}

async function connectProbe(
  durable: Durable,
  session: string,
  from: number | undefined,
  onRecordText?: (text: string) => void,
): Promise<ProbeClient> {
  const socket = new WebSocket(durable.url, { perMessageDeflate: false });
  await once(socket, 'open');
  const probe = new ProbeClient(socket, onRecordText);
  socket.send(JSON.stringify({ type: 'hello', protocol: 1, clientId: `probe-${Math.random().toString(36).slice(2)}` }));
  const token = await durable.token(session);
  socket.send(JSON.stringify({ type: 'subscribe', session, token, ...(from === undefined ? {} : { from }) }));
  await waitForFrame(socket, 'subscribed');
  return probe;
}

function waitForFrame(socket: WebSocket, type: string): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === type) {
        socket.off('message', onMessage);
        resolve();
      }
    };
    socket.on('message', onMessage);
  });
}

function delta(index: number, text = `token-${index} `, messageId = 'm1'): SessionEvent {
  return { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId, text };
}

/** Appends `count` deltas, `window` appends in flight at a time (as concurrent agents would). */
async function produce(store: SessionStore, session: string, count: number, window = 64): Promise<void> {
  for (let start = 0; start < count; start += window) {
    const batch: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(count, start + window); i++) batch.push(store.append(session, [delta(i)]));
    await Promise.all(batch);
  }
}

async function throughput(clients: number, events: number, synchronous: Synchronous): Promise<BenchResult> {
  // Durable: producer -> SQLite log -> hub -> every subscribed socket.
  const durable = await startDurable(synchronous);
  const session = `tp-${clients}`;
  const probes = await Promise.all(Array.from({ length: clients }, () => connectProbe(durable, session, 0)));
  let started = performance.now();
  await Promise.all([produce(durable.store, session, events), ...probes.map((p) => p.reach(events))]);
  const durableRate = (events * clients) / ((performance.now() - started) / 1000);
  for (const probe of probes) probe.socket.terminate();
  await durable.close();

  // Baseline: the same frames broadcast by a raw `ws` server, no log, no durability.
  const raw = await startRaw();
  const sockets = await Promise.all(
    Array.from({ length: clients }, async () => {
      const socket = new WebSocket(raw.url, { perMessageDeflate: false });
      await once(socket, 'open');
      return socket;
    }),
  );
  while (raw.wss.clients.size < clients) await new Promise((r) => setTimeout(r, 5));
  const received = sockets.map(() => 0);
  const done = Promise.all(
    sockets.map(
      (socket, i) =>
        new Promise<void>((resolve) =>
          socket.on('message', () => {
            received[i]! += 1;
            if (received[i] === events) resolve();
          }),
        ),
    ),
  );
  started = performance.now();
  const targets = [...raw.wss.clients];
  for (let i = 0; i < events; i++) {
    const frame = JSON.stringify({ type: 'events', session, epoch: 'e', batch: [{ offset: i + 1, at: Date.now(), event: delta(i) }] });
    for (const target of targets) target.send(frame);
    if (i % 64 === 63) await new Promise((r) => setImmediate(r));
  }
  await done;
  const rawRate = (events * clients) / ((performance.now() - started) / 1000);
  for (const socket of sockets) socket.terminate();
  await raw.close();
  return benchResult(`throughput, ${clients} client${clients > 1 ? 's' : ''}, SQLite ${synchronous}`, durableRate, 'deliveries/s', rawRate, 'ratio >= 0.5');
}

async function latency(streams: number, perSecond: number, seconds: number, synchronous: Synchronous): Promise<BenchResult[]> {
  const count = perSecond * seconds;
  const interval = 1000 / perSecond;
  const samples: number[] = [];
  const record = (text: string) => samples.push(performance.now() - Number(text));

  const durable = await startDurable(synchronous);
  const probes = await Promise.all(Array.from({ length: streams }, (_, i) => connectProbe(durable, `lat-${i}`, 0, record)));
  await Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      await new Promise((r) => setTimeout(r, (s * interval) / streams));
      for (let i = 0; i < count; i++) {
        await durable.store.append(`lat-${s}`, [delta(i, String(performance.now()))]);
        await new Promise((r) => setTimeout(r, interval));
      }
    }),
  );
  await Promise.all(probes.map((p) => p.reach(count)));
  const ours = [...samples];
  for (const probe of probes) probe.socket.terminate();
  await durable.close();

  samples.length = 0;
  const raw = await startRaw();
  const sockets = await Promise.all(
    Array.from({ length: streams }, async () => {
      const socket = new WebSocket(raw.url, { perMessageDeflate: false });
      socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as { batch: { event: { text: string } }[] };
        record(frame.batch[0]!.event.text);
      });
      await once(socket, 'open');
      return socket;
    }),
  );
  while (raw.wss.clients.size < streams) await new Promise((r) => setTimeout(r, 5));
  const targets = [...raw.wss.clients];
  await Promise.all(
    targets.map(async (target, s) => {
      await new Promise((r) => setTimeout(r, (s * interval) / streams));
      for (let i = 0; i < count; i++) {
        target.send(JSON.stringify({ type: 'events', session: `lat-${s}`, epoch: 'e', batch: [{ offset: i + 1, at: Date.now(), event: delta(i, String(performance.now())) }] }));
        await new Promise((r) => setTimeout(r, interval));
      }
    }),
  );
  while (samples.length < streams * count) await new Promise((r) => setTimeout(r, 10));
  for (const socket of sockets) socket.terminate();
  await raw.close();
  const label = `${streams} streams x ${perSecond} deltas/s, SQLite ${synchronous}`;
  const p50 = percentile(ours, 50);
  const p99 = percentile(ours, 99);
  const rawP50 = percentile(samples, 50);
  const rawP99 = percentile(samples, 99);
  return [
    benchResult(`latency p50, ${label}`, p50, 'ms', rawP50, 'informational'),
    benchResult(`latency p99, ${label}`, p99, 'ms', rawP99, 'informational'),
    benchResult(`added latency p99, ${label}`, p99 - rawP99, 'ms', null, '< 5 ms'),
  ];
}

async function resumeAndJoin(): Promise<BenchResult[]> {
  const durable = await startDurable();
  // Catch-up: a client that missed 10,000 events resumes from its offset.
  await produce(durable.store, 'resume', 10_000);
  const started = performance.now();
  const probe = await connectProbe(durable, 'resume', 0);
  await probe.reach(10_000);
  const catchUp = performance.now() - started;
  probe.socket.terminate();

  // Join cost: the same text written as 1,000 deltas and as 100,000 deltas; a new device joins
  // with no offset and gets snapshot + tail.
  const text = 'x'.repeat(200_000);
  async function writeSession(session: string, deltas: number) {
    const size = text.length / deltas;
    await durable.store.append(session, [{ type: 'message.started', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', offline: true }]);
    for (let start = 0; start < deltas; start += 500) {
      const events = [];
      for (let i = start; i < Math.min(deltas, start + 500); i++) events.push(delta(i, text.slice(i * size, (i + 1) * size)));
      await durable.store.append(session, events);
    }
  }
  await writeSession('join-1k', 1_000);
  await writeSession('join-100k', 100_000);
  const join = async (session: string) => {
    const head = (await durable.store.head(session)).offset;
    const client = await connectProbe(durable, session, undefined);
    await client.reach(head);
    client.socket.terminate();
    return client;
  };
  const small = await join('join-1k');
  const large = await join('join-100k');
  const replay = await (async () => {
    const head = (await durable.store.head('join-100k')).offset;
    const client = await connectProbe(durable, 'join-100k', 0);
    await client.reach(head);
    client.socket.terminate();
    return client;
  })();
  await durable.close();
  return [
    benchResult('resume catch-up of 10,000 events', catchUp, 'ms', null, 'informational'),
    benchResult('join bytes, 100,000 vs 1,000 deltas (same text)', large.bytes, 'bytes', small.bytes, 'ratio about 1'),
    benchResult('join frames, 100,000 vs 1,000 deltas (same text)', large.frames, 'frames', small.frames, 'ratio about 1'),
    benchResult('join bytes, snapshot vs full replay of 100,000 deltas', large.bytes, 'bytes', replay.bytes, 'ratio well below 1'),
  ];
}

// Idle clients live in a child process, so the heap measured here is the server's alone.
const IDLE_CLIENTS_SCRIPT = `
import WebSocket from 'ws';
const { url, frames } = JSON.parse(process.argv[1]);
const sockets = [];
for (const first of frames) {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  sockets.push(socket);
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'hello', protocol: 1, clientId: 'idle-' + sockets.length }));
  if (first) socket.send(JSON.stringify(first));
  await new Promise((resolve) => socket.once('message', resolve));
}
process.stdout.write('ready\\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`;

async function openIdleClients(url: string, frames: unknown[]): Promise<() => Promise<void>> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', IDLE_CLIENTS_SCRIPT, JSON.stringify({ url, frames })], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => data.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`idle clients exited with ${code}`)));
  });
  return async () => {
    child.stdin.end();
    child.kill();
    await once(child, 'exit');
  };
}

async function idleMemory(clients: number): Promise<BenchResult> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 100));
    }
    return process.memoryUsage().heapUsed;
  };
  const measure = async (url: string, frames: unknown[]) => {
    const before = await settle();
    const close = await openIdleClients(url, frames);
    const after = await settle();
    await close();
    return (after - before) / clients;
  };
  const durable = await startDurable();
  await durable.store.append('idle', [delta(0)]);
  const frames = await Promise.all(
    Array.from({ length: clients }, async () => ({ type: 'subscribe', session: 'idle', token: await durable.token('idle'), from: 1 })),
  );
  const ours = await measure(durable.url, frames);
  await durable.close();
  const raw = await startRaw();
  raw.wss.on('connection', (socket) => socket.on('message', () => socket.send('{}')));
  const baseline = await measure(raw.url, Array.from({ length: clients }, () => null));
  await raw.close();
  return benchResult(`server heap per idle subscribed client (${clients} clients)`, ours / 1024, 'KiB', baseline / 1024, 'informational');
}

/** Every delivery figure of the session layer. */
export async function runSessionDeliveryBench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const log = (r: BenchResult[]) => {
    for (const result of r) console.log(`  ${result.name}: ${result.value} ${result.unit} (baseline ${result.baseline}, ratio ${result.ratio})`);
    results.push(...r);
  };
  for (const synchronous of ['full', 'normal'] as const) {
    log([await throughput(1, 20_000, synchronous)]);
    log([await throughput(100, 2_000, synchronous)]);
    log(await latency(100, 50, 4, synchronous));
  }
  log(await resumeAndJoin());
  log([await idleMemory(300)]);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runSessionDeliveryBench();
  process.exit(0);
}
