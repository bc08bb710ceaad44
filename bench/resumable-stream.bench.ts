// The durable session on Redis vs Vercel's `resumable-stream` (2.2.13, its ioredis entry) on the
// same Redis: resume of an interrupted stream (time to first replayed event, bytes received) and
// steady-state delivery cost (Redis requests sent, and Redis commands executed, per delivered delta).
//
// Ours: RedisStore + the session server (in process), a producer appending one `text.delta` per
// append, WebSocket clients. Theirs: a producer instance (`createNewResumableStream`) and a second
// instance whose listeners call `resumeExistingStream`, each instance with its own publisher and
// subscriber connections, carrying what the AI SDK streams through it: one SSE-framed
// `text-delta` UI message chunk per delta. Their first reader reads the producer's stream in
// process (no Redis); every listener that resumed, on any instance, gets each chunk by PUBLISH.
// Requests are counted in the ioredis clients of this process (`sendCommand`); executed commands
// with MONITOR, keeping only lines that name this run's key prefixes (so other users of the same
// Redis do not count; commands run inside our Lua scripts do).
// Run alone: node --conditions=@marketing-team/source --import tsx bench/resumable-stream.bench.ts
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { createResumableStreamContext } from 'resumable-stream/ioredis';
import WebSocket from 'ws';
import type { SessionEvent } from '@marketing-team/core';
import { attachWebSocket, createMarketingTeamServer, createNodeListener } from '../packages/server/src/http/index.js';
import { RedisStore } from '../packages/server/src/stores/redis-store.js';
import { benchResult, percentile, type BenchResult } from './bench-result.js';

// The benches open thousands of connections as one user; quotas are not what they measure.
const BENCH_LIMITS = { connectionsPerPrincipal: 1e6, connectionsPerSession: 1e6, connectionsPerAddress: 1e6, concurrentRunsPerPrincipal: 1e4, concurrentRunsPerSession: 1e4, briefsPerMinutePerPrincipal: 1e6, briefsPerMinutePerSession: 1e6, briefsPerMinutePerAddress: 1e6, onLimit: () => undefined };
const secret = randomBytes(32).toString('hex');
const DELTAS = 2000;
const RESUME_AT = 1000;
const RESUMES = 40;

/** Counts requests sent by every ioredis client of this process. */
let requests = 0;
const proto = Redis.prototype as unknown as { sendCommand: (...args: unknown[]) => unknown };
const originalSend = proto.sendCommand;
proto.sendCommand = function counted(this: unknown, ...args: unknown[]) {
  requests += 1;
  return originalSend.apply(this, args);
};

/** Counts commands Redis executes that name one of `prefixes` (MONITOR shows script-internal ones too). */
async function monitor(prefixes: string[]): Promise<{ count(): number; stop(): Promise<void> }> {
  const connection = new Redis('redis://127.0.0.1:6379');
  const feed = (await connection.monitor()) as unknown as Redis;
  let executed = 0;
  feed.on('monitor', (_time: string, args: string[]) => {
    if (args.some((arg) => prefixes.some((prefix) => arg.includes(prefix)))) executed += 1;
  });
  return {
    count: () => executed,
    async stop() {
      feed.disconnect();
      connection.disconnect();
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

function delta(index: number): SessionEvent {
  return { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1', text: `token-${index} ` };
}

/** What the AI SDK writes through resumable-stream for one text delta. */
function sseChunk(index: number): string {
  return `data: ${JSON.stringify({ type: 'text-delta', id: 'm1', delta: `token-${index} ` })}\n\n`;
}

interface Ours {
  store: RedisStore;
  prefix: string;
  wsUrl: string;
  token(session: string): Promise<string>;
  close(): Promise<void>;
}

async function startOurs(): Promise<Ours> {
  const prefix = `mt-rsb-${randomUUID().slice(0, 8)}:`;
  const store = new RedisStore({ keyPrefix: prefix });
  const server = createMarketingTeamServer({ store, tokens: { secret }, allowedOrigins: '*', rateLimit: { messagesPerSecond: 1e6, burst: 1e6 }, limits: BENCH_LIMITS });
  const http = createServer(createNodeListener(server));
  const ws = attachWebSocket(http, server);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    store,
    prefix,
    wsUrl: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws`,
    token: (session) => server.tokens.mint({ session, userId: 'bench', capabilities: ['read'], ttlSeconds: 3600 }),
    async close() {
      ws.close();
      await server.close();
      http.closeAllConnections();
      http.close();
      await store.close();
      await deleteKeys(prefix);
    },
  };
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379');
  const keys = await redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  await redis.quit();
}

/** An open, welcomed socket; `subscribe` then measures until `offset` is applied. */
class OurClient {
  bytes = 0;
  offset = 0;
  firstAt = 0;
  #waiters: { offset: number; resolve: () => void }[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.bytes += data.length;
      const frame = JSON.parse(data.toString()) as { type: string; batch?: { offset: number }[] };
      if (frame.type !== 'events' || !frame.batch) return;
      if (this.firstAt === 0) this.firstAt = performance.now();
      this.offset = frame.batch[frame.batch.length - 1]!.offset;
      this.#waiters = this.#waiters.filter((waiter) => (this.offset >= waiter.offset ? (waiter.resolve(), false) : true));
    });
  }

  static async open(ours: Ours): Promise<OurClient> {
    const socket = new WebSocket(ours.wsUrl, { perMessageDeflate: false });
    await once(socket, 'open');
    const client = new OurClient(socket);
    socket.send(JSON.stringify({ type: 'hello', protocol: 1, clientId: `c-${randomUUID().slice(0, 8)}` }));
    await new Promise<void>((resolve) => {
      const onMessage = (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { type: string }).type === 'welcome') {
          socket.off('message', onMessage);
          resolve();
        }
      };
      socket.on('message', onMessage);
    });
    return client;
  }

  subscribe(session: string, token: string, from: number): void {
    this.bytes = 0;
    this.firstAt = 0;
    this.socket.send(JSON.stringify({ type: 'subscribe', session, token, from }));
  }

  reach(offset: number): Promise<void> {
    if (this.offset >= offset) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ offset, resolve }));
  }
}

interface Theirs {
  prefix: string;
  /** Closes the producer instance's connections, as a crash of its process would. */
  stopProducer(): Promise<void>;
  producer: ReturnType<typeof createResumableStreamContext>;
  resumer: ReturnType<typeof createResumableStreamContext>;
  close(): Promise<void>;
}

function startTheirs(): Theirs {
  const prefix = `rs-bench-${randomUUID().slice(0, 8)}`;
  // Two instances, as two serverless invocations would be, each with a publisher and a subscriber.
  const clients = Array.from({ length: 4 }, () => new Redis('redis://127.0.0.1:6379'));
  const [producerPublisher, producerSubscriber, resumerPublisher, resumerSubscriber] = clients as [Redis, Redis, Redis, Redis];
  return {
    prefix,
    producer: createResumableStreamContext({ keyPrefix: prefix, waitUntil: null, publisher: producerPublisher, subscriber: producerSubscriber }),
    resumer: createResumableStreamContext({ keyPrefix: prefix, waitUntil: null, publisher: resumerPublisher, subscriber: resumerSubscriber }),
    async stopProducer() {
      producerPublisher.disconnect();
      producerSubscriber.disconnect();
    },
    async close() {
      for (const client of clients) client.disconnect();
      await deleteKeys(prefix);
    },
  };
}

/** A producer stream we feed by hand; its first reader drains it in process, as the original request would. */
async function theirStream(theirs: Theirs, streamId: string): Promise<{ push(chunk: string): void; end(): void }> {
  let controller!: ReadableStreamDefaultController<string>;
  const source = new ReadableStream<string>({ start: (c) => void (controller = c) });
  const stream = await theirs.producer.createNewResumableStream(streamId, () => source);
  const reader = stream!.getReader();
  void (async () => {
    while (!(await reader.read()).done);
  })();
  return { push: (chunk) => controller.enqueue(chunk), end: () => controller.close() };
}

/** Reads a resumed stream until `expected` characters arrived; resolves with timing and size. */
async function readResumed(stream: ReadableStream<string>, expected: number, started: number): Promise<{ first: number; bytes: number }> {
  const reader = stream.getReader();
  let first = 0;
  let characters = 0;
  let bytes = 0;
  while (characters < expected) {
    const { done, value } = await reader.read();
    if (done) break;
    if (first === 0) first = performance.now() - started;
    characters += value.length;
    bytes += Buffer.byteLength(value);
  }
  void reader.cancel().catch(() => undefined);
  return { first, bytes };
}

async function resume(): Promise<BenchResult[]> {
  // Ours: DELTAS stored; a client that applied RESUME_AT resumes from there on an open socket.
  const ours = await startOurs();
  const session = 'resume';
  for (let i = 0; i < DELTAS; i++) await ours.store.append(session, [delta(i)]);
  const token = await ours.token(session);
  // Theirs: the same deltas produced and still open; a listener resumes, skipping what it had.
  const theirs = startTheirs();
  const streamId = 'resume';
  const producer = await theirStream(theirs, streamId);
  let total = '';
  let skip = 0;
  for (let i = 0; i < DELTAS; i++) {
    const chunk = sseChunk(i);
    producer.push(chunk);
    total += chunk;
    if (i === RESUME_AT - 1) skip = total.length;
  }
  await settle();
  // The two take turns, resume by resume, so the load of this shared machine hits both alike.
  const ourFirst: number[] = [];
  const ourBytes: number[] = [];
  const theirFirst: number[] = [];
  const theirBytes: number[] = [];
  for (let i = 0; i < RESUMES; i++) {
    const client = await OurClient.open(ours);
    client.offset = RESUME_AT;
    const ourStart = performance.now();
    client.subscribe(session, token, RESUME_AT);
    await client.reach(DELTAS);
    ourFirst.push(client.firstAt - ourStart);
    ourBytes.push(client.bytes);
    client.socket.terminate();

    const theirStart = performance.now();
    const stream = await theirs.resumer.resumeExistingStream(streamId, skip);
    const { first, bytes } = await readResumed(stream!, total.length - skip, theirStart);
    theirFirst.push(first);
    theirBytes.push(bytes);
  }
  await ours.close();
  producer.end();
  await settle();
  await theirs.close();

  // The producer's process is gone (its connections closed, its memory with them): ours replays
  // from the log as before; theirs still finds the stream's sentinel and waits for an answer.
  const orphaned = startTheirs();
  const gone = await theirStream(orphaned, 'gone');
  for (let i = 0; i < RESUME_AT; i++) gone.push(sseChunk(i));
  await settle();
  await orphaned.stopProducer();
  const started = performance.now();
  let outcome = 'replayed';
  try {
    const stream = await orphaned.resumer.resumeExistingStream('gone', 0);
    if (!stream) outcome = 'no stream';
  } catch (error) {
    outcome = (error as Error).message;
  }
  const goneMs = performance.now() - started;
  await orphaned.close();
  console.log(`  resume after the producer's process is gone, resumable-stream: "${outcome}" after ${goneMs.toFixed(0)} ms; ours replays from the log`);

  const label = `${DELTAS - RESUME_AT} missed deltas`;
  return [
    benchResult(`resume: time to first replayed event, ${label} (median; ours: a subscribe frame over a WebSocket, token verified; theirs: an in-process call, no transport, no auth)`, percentile(ourFirst, 50), 'ms', percentile(theirFirst, 50), 'ratio < 1'),
    benchResult(`resume: bytes received to catch up, ${label}`, percentile(ourBytes, 50), 'bytes', percentile(theirBytes, 50), 'informational (ours carries offsets, ids, agent)'),
    benchResult('resume after the producer process is gone: time to first replayed event (ours: its first resume, which also opens the session)', ourFirst[0]!, 'ms', goneMs, `informational (theirs: ${outcome})`),
  ];
}

async function steady(listeners: number): Promise<BenchResult[]> {
  // Ours: `listeners` WebSocket clients follow a session while DELTAS are appended one by one.
  const ours = await startOurs();
  const session = `steady-${listeners}`;
  await ours.store.append(session, [delta(-1)]);
  const token = await ours.token(session);
  const clients = await Promise.all(Array.from({ length: listeners }, () => OurClient.open(ours)));
  for (const client of clients) client.subscribe(session, token, 0);
  await Promise.all(clients.map((client) => client.reach(1)));
  await settle();
  let watch = await monitor([ours.prefix]);
  let sent = requests;
  for (let i = 0; i < DELTAS; i++) await ours.store.append(session, [delta(i)]);
  await Promise.all(clients.map((client) => client.reach(DELTAS + 1)));
  await settle();
  const ourRequests = requests - sent;
  const ourExecuted = watch.count();
  await watch.stop();
  for (const client of clients) client.socket.terminate();
  await ours.close();

  // Theirs: `listeners` listeners resumed on the second instance follow the producer.
  const theirs = startTheirs();
  const streamId = `steady-${listeners}`;
  const producer = await theirStream(theirs, streamId);
  producer.push(sseChunk(-1));
  const expected = Array.from({ length: DELTAS }, (_, i) => sseChunk(i)).join('').length;
  const readers = await Promise.all(
    Array.from({ length: listeners }, async () => {
      const stream = await theirs.resumer.resumeExistingStream(streamId, sseChunk(-1).length);
      return stream!;
    }),
  );
  await settle();
  watch = await monitor([theirs.prefix]);
  sent = requests;
  const reading = readers.map((stream) => readResumed(stream, expected, performance.now()));
  for (let i = 0; i < DELTAS; i++) {
    producer.push(sseChunk(i));
    // Let the producer publish before the next chunk, as a model's token pace would.
    if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(reading);
  await settle();
  const theirRequests = requests - sent;
  const theirExecuted = watch.count();
  await watch.stop();
  producer.end();
  await settle();
  await theirs.close();
  const delivered = DELTAS * listeners;
  const label = `${listeners} listener${listeners > 1 ? 's' : ''} on another instance`;
  return [
    benchResult(`Redis requests per delivered delta, ${label}`, ourRequests / delivered, 'requests', theirRequests / delivered, 'ratio < 1'),
    benchResult(`Redis commands executed per delivered delta, ${label}`, ourExecuted / delivered, 'commands', theirExecuted / delivered, 'informational (ours include the Lua script\'s own calls)'),
  ];
}

/** Resume and steady-state delivery cost of the durable session vs resumable-stream on one Redis. */
export async function runResumableStreamBench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const log = (r: BenchResult[]) => {
    for (const result of r) console.log(`  ${result.name}: ${result.value} ${result.unit} (baseline ${result.baseline}, ratio ${result.ratio})`);
    results.push(...r);
  };
  log(await resume());
  log(await steady(1));
  log(await steady(10));
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runResumableStreamBench();
  process.exit(0);
}
