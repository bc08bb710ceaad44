// Delivery through the durable session log versus a raw `ws` server doing the same delivery
// work with no log: throughput (1 and 100 clients), added latency at 100 concurrent streams,
// resume catch-up, join cost of short and long sessions, and memory per idle client.
// Like for like: the raw server sends the very batches the durable one sent (the sizes its first
// client saw), the clients of both sides run in a child process and parse every frame, producers
// keep a fixed schedule and never wait for an append (delays count from the scheduled time, so
// a blocked event loop is charged for what it delays), and the two sides take turns in the same
// run so the load of this shared machine hits both alike. On SQLite full the latency baseline
// also makes each delta durable (written, then sent after an fdatasync) on the same disk, and
// throughput is timed only after untimed warm-up rounds of both sides. Each row names its
// baseline's work.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import {
  delta,
  nextTurn,
  produce,
  produceOnSchedule,
  settledHeap,
  startClients,
  startDurable,
  startRaw,
  storeLabel,
  type Durable,
  type StoreKind,
} from './_delivery.js';
import { WalSync } from '../packages/server/src/stores/_wal-sync.js';
import { benchResult, percentile, type BenchResult } from './bench-result.js';

const RAW_SAME_BATCHES = 'baseline: raw ws, no log, the same batches, clients parse every frame in a child process';

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

/** One durable throughput sample: deliveries per second, and the batches the first client got. */
async function durableThroughput(kind: StoreKind, clients: number, events: number): Promise<{ rate: number; batchSizes: number[] }> {
  const durable = await startDurable(kind);
  const session = 'throughput';
  const subscribes = await Promise.all(Array.from({ length: clients }, async () => ({ type: 'subscribe', session, token: await durable.token(session), from: 0 })));
  const { result } = await startClients(durable.url, subscribes, events, false);
  const started = performance.now();
  await produceOnSchedule(durable.store, session, events);
  const { batchSizes } = await result;
  const rate = (events * clients) / ((performance.now() - started) / 1000);
  await durable.close();
  return { rate, batchSizes };
}

/** The raw baseline of one sample: the same records in the same batches, one frame per batch per client. */
async function rawThroughput(clients: number, batchSizes: number[]): Promise<number> {
  const events = batchSizes.reduce((sum, size) => sum + size, 0);
  const raw = await startRaw();
  const { result } = await startClients(raw.url, Array.from({ length: clients }, () => null), events, false);
  while (raw.wss.clients.size < clients) await new Promise((r) => setTimeout(r, 5));
  const targets = [...raw.wss.clients];
  const started = performance.now();
  let offset = 0;
  for (const size of batchSizes) {
    const batch = [];
    for (let i = 0; i < size; i++) batch.push({ offset: offset + 1, at: Date.now(), event: delta(offset++) });
    const frame = JSON.stringify({ type: 'events', session: 'throughput', epoch: 'e', batch });
    for (const target of targets) target.send(frame);
    await nextTurn();
  }
  await result;
  const rate = (events * clients) / ((performance.now() - started) / 1000);
  await raw.close();
  return rate;
}

/** Untimed rounds of each side first: a server runs warm, and the first rounds measure the JIT. */
const WARM_UP_ROUNDS = 4;

/** Throughput, durable and raw taking turns (`rounds` each, after the warm-up), medians compared. */
async function throughput(kind: StoreKind, clients: number, events: number, rounds: number, goal: string): Promise<BenchResult> {
  const ours: number[] = [];
  const baseline: number[] = [];
  for (let round = -WARM_UP_ROUNDS; round < rounds; round++) {
    const sample = await durableThroughput(kind, clients, events);
    const raw = await rawThroughput(clients, sample.batchSizes);
    if (round < 0) continue;
    ours.push(sample.rate);
    baseline.push(raw);
  }
  const name = `throughput, ${clients} client${clients > 1 ? 's' : ''}, ${storeLabel(kind)} (${RAW_SAME_BATCHES}; ${WARM_UP_ROUNDS} untimed rounds of each first)`;
  return benchResult(name, percentile(ours, 50), 'deliveries/s', percentile(baseline, 50), goal);
}

/**
 * Calls `send(stream, index, due)` for `streams` streams, `perSecond` times a second each for
 * `seconds`, on a fixed schedule (spread evenly, never waiting for a previous send's outcome).
 * `due` is when the send was scheduled (`wallClock` time): delays are counted from it, so a
 * server that blocks its event loop (and with it the timers that produce) is charged for the
 * wait, as it would be for tokens arriving from a model while it is blocked.
 */
async function onSchedule(streams: number, perSecond: number, seconds: number, send: (stream: number, index: number, due: number) => void): Promise<void> {
  const interval = 1000 / perSecond;
  const count = perSecond * seconds;
  const start = performance.now();
  await Promise.all(
    Array.from(
      { length: streams },
      (_, stream) =>
        new Promise<void>((resolve) => {
          const offset = (stream * interval) / streams;
          let index = 0;
          const next = () => {
            send(stream, index, performance.timeOrigin + start + offset + index * interval);
            index += 1;
            if (index === count) return resolve();
            setTimeout(next, Math.max(0, start + offset + index * interval - performance.now()));
          };
          setTimeout(next, offset);
        }),
    ),
  );
}

/** Delivery delays of one durable sample: `streams` sessions, one client each, appends on a schedule. */
async function durableDelays(kind: StoreKind, streams: number, perSecond: number, seconds: number): Promise<number[]> {
  const durable = await startDurable(kind);
  const subscribes = await Promise.all(
    Array.from({ length: streams }, async (_, s) => ({ type: 'subscribe', session: `latency-${s}`, token: await durable.token(`latency-${s}`), from: 0 })),
  );
  const { result } = await startClients(durable.url, subscribes, perSecond * seconds, true);
  const appends: Promise<unknown>[] = [];
  await onSchedule(streams, perSecond, seconds, (s, i, due) => appends.push(durable.store.append(`latency-${s}`, [delta(i, String(due))])));
  await Promise.all(appends);
  const { delays } = await result;
  await durable.close();
  return delays;
}

/**
 * The raw baseline of one latency sample: each record sent as its own frame to its stream's
 * client. With `synced`, it is first written to a file and sent once an fdatasync covering it
 * is done, one sync in flight and the records written meanwhile sharing the next, as the SQLite
 * store syncs its WAL (with the store's own `WalSync`): the same durability, on the same disk.
 */
async function rawDelays(streams: number, perSecond: number, seconds: number, synced: boolean): Promise<number[]> {
  const raw = await startRaw();
  const log = synced ? openSyncedLog() : undefined;
  const { result } = await startClients(raw.url, Array.from({ length: streams }, () => null), perSecond * seconds, true);
  while (raw.wss.clients.size < streams) await new Promise((r) => setTimeout(r, 5));
  const targets = [...raw.wss.clients];
  await onSchedule(streams, perSecond, seconds, (s, i, due) => {
    const batch = [{ offset: i + 1, at: Date.now(), event: delta(i, String(due)) }];
    const frame = JSON.stringify({ type: 'events', session: `latency-${s}`, epoch: 'e', batch });
    if (!log) return targets[s]!.send(frame);
    writeSync(log.fd, `${frame}\n`);
    void log.wal.sync().then(() => targets[s]!.send(frame));
  });
  const { delays } = await result;
  await log?.close();
  await raw.close();
  return delays;
}

/** A file the synced baseline writes each delta to, with the store's own WAL fsync over it. */
function openSyncedLog(): { fd: number; wal: WalSync; close(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'mt-bench-raw-'));
  const path = join(dir, 'log');
  const fd = openSync(path, 'a');
  const wal = new WalSync(path);
  return {
    fd,
    wal,
    async close() {
      await wal.close();
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Latency, durable and raw taking turns (`rounds` samples of `seconds` each), all delays pooled.
 * On SQLite full a third side takes turns too: raw with the same fdatasync before each send.
 * The goal is judged against the baseline with the same durability: this disk's fdatasync
 * mostly takes a fraction of a millisecond but now and then tens of ms, and such a stall holds
 * every delta written meanwhile, durable or not (the row against plain raw shows how much).
 */
async function latency(kind: StoreKind, streams: number, perSecond: number, seconds: number, rounds: number, goal: string): Promise<BenchResult[]> {
  const synced = kind === 'full';
  const ours: number[] = [];
  const baseline: number[] = [];
  const unsynced: number[] = [];
  for (let round = 0; round < rounds; round++) {
    ours.push(...(await durableDelays(kind, streams, perSecond, seconds)));
    baseline.push(...(await rawDelays(streams, perSecond, seconds, synced)));
    if (synced) unsynced.push(...(await rawDelays(streams, perSecond, seconds, false)));
  }
  const label = `${streams} streams x ${perSecond} deltas/s, ${storeLabel(kind)}`;
  const work = `baseline: raw ws, no log, one frame per delta${synced ? ', each written to a file and sent after an fdatasync covering it (one in flight, as the store syncs its WAL)' : ''}, same schedule, delays from the scheduled time, clients in a child process`;
  const p99 = percentile(ours, 99);
  const baseP99 = percentile(baseline, 99);
  const rows = [
    benchResult(`latency p50, ${label} (${work})`, percentile(ours, 50), 'ms', percentile(baseline, 50), 'informational'),
    benchResult(`latency p99, ${label} (${work})`, p99, 'ms', baseP99, 'informational'),
    benchResult(`added latency p99, ${label} (durable p99 minus ${synced ? 'synced raw' : 'raw'} p99)`, p99 - baseP99, 'ms', null, goal),
  ];
  if (synced) {
    const rawP99 = percentile(unsynced, 99);
    rows.push(benchResult(`added latency p99, ${label} (durable p99 minus p99 of raw ws with no fdatasync: the disk's sync tail included)`, p99 - rawP99, 'ms', null, 'informational'));
  }
  return rows;
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
  const measure = async (url: string, frames: unknown[]) => {
    const before = await settledHeap();
    const close = await openIdleClients(url, frames);
    const after = await settledHeap();
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
  log([await throughput('memory', 1, 20_000, 5, 'ratio >= 0.6')]);
  log([await throughput('full', 1, 20_000, 5, 'ratio >= 0.2')]);
  log([await throughput('memory', 100, 2_000, 5, 'ratio >= 0.9')]);
  log([await throughput('full', 100, 2_000, 5, 'ratio >= 0.9')]);
  log(await latency('memory', 100, 50, 2, 4, '< 2 ms'));
  log(await latency('full', 100, 50, 2, 6, '< 5 ms'));
  log(await resumeAndJoin());
  log([await idleMemory(300)]);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runSessionDeliveryBench();
  process.exit(0);
}
