// Costs that must not grow with the work a session has done. Each figure of a long session is
// measured against the same work on a short one, in this process, in the same run:
// - reducer: µs per `text.delta` with 10,000 messages in the state vs 100;
// - delta append: p99 of a `SqliteStore` append (`synchronous: 'full'`) while a `SessionHub`
//   follows the session (reduces, fans out, saves a snapshot every 1,000 events), at 150,000
//   events vs 5,000;
// - join: time from `subscribe` (no offset: a snapshot) to the snapshot frame, session not in
//   memory (load the snapshot, validate it, replay what follows it) or warm, 100,000 events vs
//   1,000: first with the same state (the same 20 messages written in 100 times the deltas), then
//   with a state 51 times larger (each delta a new piece of text), which a join must carry;
// - catch-up: a resume 10,000 events behind, channel warm, against reading the same 10,000
//   records from the store (the least the server must do);
// - stall: the longest gap between two turns of the event loop, while another session replays
//   100,000 events to a subscriber from offset 0, against the longest gap with nothing replaying;
// - heap per warm session (a session of 5,000 events held in memory by the hub, state and
//   channel), against the size of its state as JSON.
// Run alone: node --conditions=@marketing-team/source --import tsx bench/run.ts long-sessions
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  SessionRecordSchema,
  applyRecord,
  applyRecords,
  createSessionState,
  type SessionEvent,
  type SessionRecord,
  type SessionState,
} from '@marketing-team/core';
import type { SessionGrant } from '../packages/server/src/auth/token-issuer.js';
import { SessionHub } from '../packages/server/src/sessions/session-hub.js';
import type { SessionSubscriber } from '../packages/server/src/sessions/session-subscriber.js';
import { SqliteStore } from '../packages/server/src/stores/sqlite-store.js';
import { benchResult, percentile, type BenchResult } from './bench-result.js';

const grant: SessionGrant = { userId: 'bench', capabilities: ['read', 'write', 'control'], expiresAt: Math.floor(Date.now() / 1000) + 3600 };
/** Deltas per message in the generated logs: a message of about 400 characters. */
const DELTAS_PER_MESSAGE = 48;

/** Events of a session that has written `messages` messages of `DELTAS_PER_MESSAGE` deltas each, from `first`. */
function* sessionEvents(count: number, firstMessage = 0): Generator<SessionEvent> {
  let produced = 0;
  for (let message = firstMessage; produced < count; message++) {
    const runId = `run-${Math.floor(message / 20)}`;
    const taskId = `task-${message % 20}`;
    const messageId = `message-${message}`;
    const base = { runId, taskId, agent: 'content-creator', messageId };
    if (message % 20 === 0 && produced < count) {
      yield { type: 'brief.submitted', runId, brief: { goal: 'Launch the spring line', channels: ['linkedin'], deliverables: [], reviewGates: [] }, by: { kind: 'system' } };
      produced++;
    }
    if (produced < count) {
      yield { type: 'message.started', ...base, offline: false };
      produced++;
    }
    for (let delta = 0; delta < DELTAS_PER_MESSAGE && produced < count; delta++, produced++) {
      yield { type: 'text.delta', ...base, text: `token ${delta} ` };
    }
  }
}

/** A full garbage collection, so each measure starts from a settled heap, not the last one's garbage. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Characters of each message of the same-state sessions. */
const SAME_STATE_TEXT = 'Spring line copy, draft for review. '.repeat(140).slice(0, 5000);

/**
 * One run of 20 messages of `SAME_STATE_TEXT`, each written as `deltasPerMessage` deltas: the
 * same state whatever the number of deltas, so two such sessions differ in history alone.
 */
function* sameStateEvents(deltasPerMessage: number): Generator<SessionEvent> {
  const runId = 'run-same';
  yield { type: 'brief.submitted', runId, brief: { goal: 'Launch the spring line', channels: ['linkedin'], deliverables: [], reviewGates: [] }, by: { kind: 'system' } };
  const cut = (delta: number) => Math.floor((delta * SAME_STATE_TEXT.length) / deltasPerMessage);
  for (let message = 0; message < 20; message++) {
    const base = { runId, taskId: `task-${message}`, agent: 'content-creator', messageId: `message-${message}` } as const;
    yield { type: 'message.started', ...base, offline: false };
    for (let delta = 0; delta < deltasPerMessage; delta++) {
      yield { type: 'text.delta', ...base, text: SAME_STATE_TEXT.slice(cut(delta), cut(delta + 1)) };
    }
  }
}

async function fill(store: SqliteStore, session: string, count: number): Promise<void> {
  await appendAll(store, session, sessionEvents(count));
}

async function appendAll(store: SqliteStore, session: string, events: Iterable<SessionEvent>): Promise<void> {
  let batch: SessionEvent[] = [];
  for (const event of events) {
    batch.push(event);
    if (batch.length === 1000) {
      await store.append(session, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await store.append(session, batch);
}

function quietSubscriber(onSnapshot?: () => void, onDeliver?: (records: number, lastOffset: number) => void): SessionSubscriber {
  return {
    clientId: 'bench',
    userId: 'bench',
    subscribed: () => undefined,
    snapshot: () => onSnapshot?.(),
    deliver: (batch) => {
      batch.frameJson();
      onDeliver?.(batch.records.length, batch.lastOffset);
    },
    presence: () => undefined,
  };
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** µs per delta applied one record at a time to a state that holds `messages` messages. */
function reducerMicrosPerDelta(messages: number): number {
  let state: SessionState = createSessionState();
  const records: SessionRecord[] = [];
  let offset = 0;
  for (let index = 0; index < messages; index++) {
    const event = { type: 'message.started', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: `m${index}` };
    records.push(SessionRecordSchema.parse({ offset: ++offset, at: 0, event }));
  }
  state = applyRecords(state, records);
  const deltas = Array.from({ length: 20_000 }, (_, index) =>
    SessionRecordSchema.parse({
      offset: offset + index + 1,
      at: 0,
      event: { type: 'text.delta', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: `m${index % 50}`, text: 'x' },
    }),
  );
  for (const record of deltas.slice(0, 2000)) applyRecord(state, record); // warm-up, results dropped
  const started = performance.now();
  for (const record of deltas) state = applyRecord(state, record);
  return ((performance.now() - started) * 1000) / deltas.length;
}

/** Appends to each session before the timed ones: the first appends of a process measured its JIT. */
const WARM_UP_APPENDS = 1000;

/**
 * p99 (ms) of single-delta appends to a session of 5,000 events and to one of 150,000, both
 * followed by one hub in one store, appends alternating between them so both see the same load,
 * timed after a warm-up of both.
 */
async function appendP99(root: string): Promise<{ short: number; long: number }> {
  const store = new SqliteStore({ path: join(root, 'append.db'), synchronous: 'full' });
  await fill(store, 'short', 5000);
  await fill(store, 'long', 150_000);
  const hub = new SessionHub({ store, snapshotEvery: 1000, onError: () => undefined });
  const subscriptions = [await hub.subscribe('short', grant, quietSubscriber()), await hub.subscribe('long', grant, quietSubscriber())];
  const latencies = { short: [] as number[], long: [] as number[] };
  const more = { short: sessionEvents(WARM_UP_APPENDS + 4000, 1_000_000), long: sessionEvents(WARM_UP_APPENDS + 4000, 1_000_000) };
  for (let index = -WARM_UP_APPENDS; index < 4000; index++) {
    for (const session of ['short', 'long'] as const) {
      const event = more[session].next().value as SessionEvent;
      const started = performance.now();
      await store.append(session, [event]);
      if (index >= 0) latencies[session].push(performance.now() - started);
    }
    if (index % 4 === 0) await nextTurn();
  }
  for (const subscription of subscriptions) subscription.close();
  await hub.close();
  await store.close();
  return { short: percentile(latencies.short, 99), long: percentile(latencies.long, 99) };
}

/**
 * ms from `subscribe` (no offset) to the snapshot frame: cold, the session not in memory (its
 * snapshot loaded and validated, the 500 events after it replayed); warm, the channel open and a
 * few events stored since the last join (so the frame is serialised anew). Sessions alternate.
 */
async function joinTimes(
  root: string,
  name: string,
  sessions: Record<'short' | 'long', () => Iterable<SessionEvent>>,
): Promise<Record<'cold' | 'warm', { short: number; long: number }>> {
  const store = new SqliteStore({ path: join(root, `join-${name}.db`), synchronous: 'normal' });
  for (const [session, events] of Object.entries(sessions)) {
    await appendAll(store, session, events());
    // Open once and close, so a snapshot is saved as a running server would have, then 500 more.
    const opener = new SessionHub({ store, snapshotEvery: 1000, idleSessionMs: 0, onError: () => undefined });
    (await opener.subscribe(session, grant, quietSubscriber())).close();
    await opener.close();
    await store.append(session, [...sessionEvents(500, 2_000_000)]);
  }
  const times = { cold: { short: [] as number[], long: [] as number[] }, warm: { short: [] as number[], long: [] as number[] } };
  const joinOnce = async (hub: SessionHub, session: string): Promise<number> => {
    const started = performance.now();
    let joined = 0;
    const subscription = await hub.subscribe(session, grant, quietSubscriber(() => (joined = performance.now())));
    subscription.close();
    return joined - started;
  };
  const warmHub = new SessionHub({ store, snapshotEvery: 1_000_000, onError: () => undefined });
  const holders = [await warmHub.subscribe('short', grant, quietSubscriber()), await warmHub.subscribe('long', grant, quietSubscriber())];
  for (let round = 0; round < 7; round++) {
    for (const session of ['short', 'long'] as const) {
      const coldHub = new SessionHub({ store, snapshotEvery: 1_000_000, idleSessionMs: 0, onError: () => undefined });
      times.cold[session].push(await joinOnce(coldHub, session));
      await coldHub.close();
      await store.append(session, [...sessionEvents(2, 3_000_000 + round * 10)]);
      await nextTurn();
      times.warm[session].push(await joinOnce(warmHub, session));
    }
  }
  for (const holder of holders) holder.close();
  await warmHub.close();
  await store.close();
  const median = (list: number[]) => percentile(list.slice(2), 50);
  return {
    cold: { short: median(times.cold.short), long: median(times.cold.long) },
    warm: { short: median(times.warm.short), long: median(times.warm.long) },
  };
}

/** ms to resume 10,000 events behind with the channel warm, and to read the same records from the store. */
async function catchUp(root: string): Promise<{ hub: number; read: number }> {
  const store = new SqliteStore({ path: join(root, 'catch-up.db'), synchronous: 'normal' });
  const session = 'catch-up';
  await fill(store, session, 12_000);
  const hub = new SessionHub({ store, onError: () => undefined });
  const holder = await hub.subscribe(session, grant, quietSubscriber());
  const hubTimes: number[] = [];
  const readTimes: number[] = [];
  for (let round = 0; round < 7; round++) {
    const started = performance.now();
    const subscription = await hub.subscribe(session, grant, quietSubscriber(), { from: 2000 });
    hubTimes.push(performance.now() - started);
    subscription.close();
    const readStarted = performance.now();
    await store.read(session, 2000, 10_000);
    readTimes.push(performance.now() - readStarted);
  }
  holder.close();
  await hub.close();
  await store.close();
  // The first rounds warm the caches: the median of the rest.
  return { hub: percentile(hubTimes.slice(2), 50), read: percentile(readTimes.slice(2), 50) };
}

/**
 * Delay (ms) from each append of a live session to its delivery to that session's subscriber,
 * one delta every 5 ms for as long as `during` runs.
 */
async function liveDelays(hub: SessionHub, store: SqliteStore, session: string, during: () => Promise<void>): Promise<{ max: number; p99: number }> {
  // Delivery comes before the append resolves (commit, deliver, acknowledge): the start of the
  // append in flight is what a delivery is measured from.
  let inFlight: number | undefined;
  const delays: number[] = [];
  const subscription = await hub.subscribe(
    session,
    grant,
    quietSubscriber(undefined, () => {
      if (inFlight !== undefined) delays.push(performance.now() - inFlight);
      inFlight = undefined;
    }),
  );
  let running = true;
  const stream = (async () => {
    const events = sessionEvents(1_000_000, 5_000_000);
    while (running) {
      inFlight = performance.now();
      await store.append(session, [events.next().value as SessionEvent]);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  await during();
  running = false;
  await stream;
  await new Promise((resolve) => setTimeout(resolve, 20));
  subscription.close();
  if (delays.length === 0) throw new Error('no live delivery was measured');
  return { max: Math.max(...delays), p99: percentile(delays, 99) };
}

async function replayStall(root: string): Promise<Record<'replaying' | 'alone' | 'opening', { max: number; p99: number }>> {
  const store = new SqliteStore({ path: join(root, 'stall.db'), synchronous: 'normal' });
  await fill(store, 'long', 100_000);
  const hub = new SessionHub({ store, snapshotEvery: 1000, onError: () => undefined });
  let replayMs = 0;
  const replaying = await liveDelays(hub, store, 'live', async () => {
    const started = performance.now();
    let received = 0;
    await new Promise<void>((resolve) => {
      void hub.subscribe('long', grant, quietSubscriber(undefined, (count) => (received += count) >= 100_000 && resolve()), { from: 0 });
    });
    replayMs = performance.now() - started;
  });
  const alone = await liveDelays(hub, store, 'live', () => new Promise((resolve) => setTimeout(resolve, replayMs)));
  // A join of the long session on a node where it is not open: its snapshot loaded, checked and
  // sent. Opened once and closed first, so the snapshot is there as a running server leaves it.
  const opener = new SessionHub({ store, snapshotEvery: 1000, idleSessionMs: 0, onError: () => undefined });
  (await opener.subscribe('long', grant, quietSubscriber())).close();
  await opener.close();
  const opening = await liveDelays(hub, store, 'live', async () => {
    for (let round = 0; round < 3; round++) {
      const cold = new SessionHub({ store, snapshotEvery: 1_000_000, idleSessionMs: 0, onError: () => undefined });
      await new Promise<void>((resolve) => void cold.subscribe('long', grant, quietSubscriber(() => resolve())));
      await cold.close();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  await hub.close();
  await store.close();
  return { replaying, alone, opening };
}

async function heapPerWarmSession(root: string): Promise<{ bytes: number; stateJson: number }> {
  const store = new SqliteStore({ path: join(root, 'heap.db'), synchronous: 'off' });
  const sessions = 20;
  for (let index = 0; index < sessions; index++) await fill(store, `warm-${index}`, 5000);
  const hub = new SessionHub({ store, idleSessionMs: 600_000, onError: () => undefined });
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  for (let index = 0; index < sessions; index++) (await hub.subscribe(`warm-${index}`, grant, quietSubscriber())).close();
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  const state = applyRecords(createSessionState(), await store.read('warm-0', 0));
  await hub.close();
  await store.close();
  return { bytes: (after - before) / sessions, stateJson: JSON.stringify(state).length };
}

/** The long-session figures, each against the same work on a short session. */
export async function runLongSessionsBench(): Promise<BenchResult[]> {
  const root = mkdtempSync(join(tmpdir(), 'mt-long-sessions-'));
  try {
    const reducerShort: number[] = [];
    const reducerLong: number[] = [];
    for (let round = 0; round < 5; round++) {
      reducerShort.push(reducerMicrosPerDelta(100));
      reducerLong.push(reducerMicrosPerDelta(10_000));
    }
    collectGarbage();
    const append = await appendP99(root);
    // The like-for-like join: the same state reached by 100 times the history.
    const sameState = await joinTimes(root, 'same-state', { short: () => sameStateEvents(49), long: () => sameStateEvents(4999) });
    // A stricter one: 100 times the history, and a state 51 times larger (2,000 messages vs 20).
    const join = await joinTimes(root, 'larger-state', { short: () => sessionEvents(1000), long: () => sessionEvents(100_000) });
    const resume = await catchUp(root);
    const stall = await replayStall(root);
    const heap = await heapPerWarmSession(root);
    return [
      benchResult('reducer µs per delta, 10,000 messages vs 100', percentile(reducerLong, 50), 'µs', percentile(reducerShort, 50), 'ratio <= 1.5'),
      benchResult('delta append p99, 150,000 events vs 5,000', append.long, 'ms', append.short, 'ratio <= 1.2'),
      benchResult('join (snapshot, session not in memory), 100,000 events vs 1,000, same state', sameState.cold.long, 'ms', sameState.cold.short, 'ratio about 1'),
      benchResult('join (snapshot, session warm), 100,000 events vs 1,000, same state', sameState.warm.long, 'ms', sameState.warm.short, 'ratio about 1'),
      benchResult('join (snapshot, session not in memory), 100,000 events vs 1,000, state 51x larger', join.cold.long, 'ms', join.cold.short, 'informational (grows with the state)'),
      benchResult('join (snapshot, session warm), 100,000 events vs 1,000, state 51x larger', join.warm.long, 'ms', join.warm.short, 'informational (grows with the state)'),
      benchResult('catch-up of 10,000 warm vs reading them from the store', resume.hub, 'ms', resume.read, 'value < 30 ms'),
      benchResult('live delta delay, max, while another session opens and replays 100,000, vs alone', stall.replaying.max, 'ms', stall.alone.max, 'value <= 10 ms'),
      benchResult('live delta delay, p99, while another session opens and replays 100,000, vs alone', stall.replaying.p99, 'ms', stall.alone.p99, 'ratio about 1'),
      benchResult('live delta delay, max, while another session is joined from its snapshot (100,000 events, not in memory), vs alone', stall.opening.max, 'ms', stall.alone.max, 'value <= 10 ms'),
      benchResult('heap per warm session of 5,000 events vs its state as JSON', heap.bytes, 'bytes', heap.stateJson, 'bounded (ratio steady)'),
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
