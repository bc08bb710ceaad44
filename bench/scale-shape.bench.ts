// Scale shape: how the cost of delivery, joining and catching up, and memory grow with the
// number of sessions, subscribers and events, on the embedded default (SQLite, synchronous full).
// Each curve's ratio is against its own smallest point measured in the same run (the same work
// at the smallest scale), so a flat curve reads "ratio about 1". Clients run in a child process;
// the CPU measured is the server process's (producer, store, reducer, fan-out, sends).
// `node --import tsx bench/plot-scale.ts` draws these rows to bench/scale.svg.
// Run alone: node --conditions=@marketing-team/source --import tsx --expose-gc bench/scale-shape.bench.ts
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { delta, nextTurn, settledHeap, startClients, startDurable, type Durable } from './_delivery.js';
import { benchResult, percentile, type BenchResult } from './bench-result.js';

/** Deliveries per point of the cost curves: enough to average over, the same at every scale. */
const DELIVERIES = 64_000;
/** Appends per turn, all to one session: each commit then carries one session's batch of this many, at every scale. */
const APPENDS_PER_TURN = 64;

/** Server CPU time (µs) per delivered event with `sessions` sessions of `subscribers` clients each. */
async function cpuPerDelivery(sessions: number, subscribers: number): Promise<number> {
  const durable = await startDurable('full');
  const events = Math.max(APPENDS_PER_TURN, Math.round(DELIVERIES / (sessions * subscribers)));
  const subscribes: object[] = [];
  for (let s = 0; s < sessions; s++) {
    const session = `scale-${s}`;
    const token = await durable.token(session);
    for (let k = 0; k < subscribers; k++) subscribes.push({ type: 'subscribe', session, token, from: 0 });
  }
  const clients = await startClients(durable.url, subscribes, events, false);
  const before = process.cpuUsage();
  // Every session gets its events in the same batches whatever the number of sessions: a turn
  // appends the next 64 events of one session, sessions taking turns. (Spreading a turn's appends
  // over 64 sessions would deliver one event per frame at 100 sessions against 64 at one: a
  // curve of batch sizes, not of sessions.)
  const appends: Promise<unknown>[] = [];
  for (let start = 0; start < events; start += APPENDS_PER_TURN) {
    for (let s = 0; s < sessions; s++) {
      for (let i = start; i < Math.min(events, start + APPENDS_PER_TURN); i++) appends.push(durable.store.append(`scale-${s}`, [delta(i)]));
      await nextTurn();
    }
  }
  await Promise.all(appends);
  await clients.result;
  const used = process.cpuUsage(before);
  await durable.close();
  return (used.user + used.system) / (events * sessions * subscribers);
}

/** Opens a client and resolves with the ms until it holds the session's head (by snapshot or events). */
async function timeToHead(durable: Durable, session: string, from: number | undefined): Promise<number> {
  const head = (await durable.store.head(session)).offset;
  const started = performance.now();
  const socket = new WebSocket(durable.url, { perMessageDeflate: false });
  await once(socket, 'open');
  const reached = new Promise<void>((resolve) => {
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { type: string; offset?: number; batch?: { offset: number }[] };
      const offset = frame.type === 'snapshot' ? frame.offset : frame.type === 'events' ? frame.batch!.at(-1)!.offset : undefined;
      if (offset !== undefined && offset >= head) resolve();
    });
  });
  socket.send(JSON.stringify({ type: 'hello', protocol: 1, clientId: `join-${session}` }));
  socket.send(JSON.stringify({ type: 'subscribe', session, token: await durable.token(session), ...(from === undefined ? {} : { from }) }));
  await reached;
  const elapsed = performance.now() - started;
  socket.terminate();
  return elapsed;
}

/** The text of every join session: 100,000 characters, written as 1k, 10k or 100k deltas. */
const JOIN_TEXT = 'Spring line launch copy. '.repeat(4000);

/**
 * Join (no offset: snapshot) and catch-up (from offset 0) of sessions of 1k, 10k and 100k events
 * holding the same text: the curves show what history costs, not what a larger state costs (a
 * join carries the state, so it grows with the state; long-sessions measures that apart).
 */
async function joinAndCatchUp(): Promise<BenchResult[]> {
  const durable = await startDurable('full');
  const sizes = [1_000, 10_000, 100_000];
  const joins: number[] = [];
  const catchUps: number[] = [];
  let warmedUp = false;
  for (const size of sizes) {
    const session = `join-${size}`;
    // A client watches while the session is written, so the channel is warm and snapshots are
    // saved as they are in service.
    const watcher = await startClients(durable.url, [{ type: 'subscribe', session, token: await durable.token(session), from: 0 }], size, false);
    const cut = (index: number) => Math.floor((index * JOIN_TEXT.length) / size);
    for (let start = 0; start < size; start += 500) {
      await durable.store.append(session, Array.from({ length: Math.min(500, size - start) }, (_, i) => delta(start + i, JOIN_TEXT.slice(cut(start + i), cut(start + i + 1)))));
    }
    await watcher.result;
    // One untimed join first, so the first point does not pay for compiling the code paths.
    if (!warmedUp) {
      warmedUp = true;
      await timeToHead(durable, session, undefined);
      await timeToHead(durable, session, 0);
    }
    // Medians: one join is a few ms, which one busy moment of this machine would decide.
    const joinTimes: number[] = [];
    for (let round = 0; round < 7; round++) joinTimes.push(await timeToHead(durable, session, undefined));
    joins.push(percentile(joinTimes, 50));
    const catchUpTimes: number[] = [];
    for (let round = 0; round < 3; round++) catchUpTimes.push(await timeToHead(durable, session, 0));
    catchUps.push(percentile(catchUpTimes, 50));
  }
  await durable.close();
  return sizes.flatMap((size, index) => [
    benchResult(`scale: join (snapshot, the same text), ms = ${size.toLocaleString('en')} events`, joins[index]!, 'ms', joins[0]!, 'ratio about 1 (flat)'),
    benchResult(`scale: catch-up from offset 0 (the same text), ms = ${size.toLocaleString('en')} events`, catchUps[index]!, 'ms', catchUps[0]!, 'ratio about events / 1,000 (linear)'),
  ]);
}

/** Server heap per idle subscribed connection (all on one session) and per warm session (one connection each). */
async function memory(count: number): Promise<BenchResult[]> {
  const durable = await startDurable('full');
  const measure = async (subscribes: object[]) => {
    const before = await settledHeap();
    const clients = await startClients(durable.url, subscribes, Number.MAX_SAFE_INTEGER, false);
    const after = await settledHeap();
    await clients.stop();
    // Let the server notice the closed sockets and drop its channels before the next measure.
    await new Promise((r) => setTimeout(r, 500));
    return (after - before) / count / 1024;
  };
  await durable.store.append('idle', [delta(0)]);
  const token = await durable.token('idle');
  const connection = await measure(Array.from({ length: count }, () => ({ type: 'subscribe', session: 'idle', token, from: 1 })));
  const sessions: object[] = [];
  for (let s = 0; s < count; s++) {
    const session = `warm-${s}`;
    await durable.store.append(session, Array.from({ length: 100 }, (_, i) => delta(i)));
    sessions.push({ type: 'subscribe', session, token: await durable.token(session), from: 100 });
  }
  const session = await measure(sessions);
  await durable.close();
  return [
    benchResult(`scale: server heap, KiB = per idle connection (${count} on one session)`, connection, 'KiB', null, 'informational'),
    benchResult(`scale: server heap, KiB = per warm session (${count} sessions of 100 events, one connection each)`, session, 'KiB', connection, 'informational (baseline: per idle connection)'),
  ];
}

/** Every scale curve. */
export async function runScaleShapeBench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const log = (rows: BenchResult[]) => {
    for (const row of rows) console.log(`  ${row.name}: ${row.value} ${row.unit} (baseline ${row.baseline}, ratio ${row.ratio}, load ${row.load})`);
    results.push(...rows);
  };
  // One untimed point first, so the first measured point does not pay for compiling the code paths.
  await cpuPerDelivery(1, 1);
  const bySessions: number[] = [];
  for (const sessions of [1, 100, 1_000]) {
    bySessions.push(await cpuPerDelivery(sessions, 1));
    log([benchResult(`scale: server CPU per delivered event, µs = ${sessions.toLocaleString('en')} sessions (1 subscriber each)`, bySessions.at(-1)!, 'µs', bySessions[0]!, 'ratio about 1 (flat)')]);
  }
  const bySubscribers: number[] = [];
  for (const subscribers of [1, 10, 100, 1_000]) {
    bySubscribers.push(await cpuPerDelivery(1, subscribers));
    log([benchResult(`scale: server CPU per delivered event, µs = ${subscribers.toLocaleString('en')} subscribers (one session)`, bySubscribers.at(-1)!, 'µs', bySubscribers[0]!, 'ratio <= 1 (one serialisation per batch)')]);
  }
  log(await joinAndCatchUp());
  log(await memory(300));
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runScaleShapeBench();
  process.exit(0);
}
