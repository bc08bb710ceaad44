import { ProtocolError, createSessionState, type SessionEvent, type SessionRecord, type SessionState } from '@marketing-team/core';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FencedError, type SessionStore } from './session-store.js';

/** A store under test, with what the suite needs to reopen and clean it up. */
export interface SessionStoreFixture {
  store: SessionStore;
  /**
   * For persistent stores: opens a new store on the same data (the suite closes the old one
   * first). Its presence turns on the durability tests.
   */
  reopen?: () => SessionStore | Promise<SessionStore>;
  /** Removes what the fixture created (files, keys); called after the store is closed. */
  dispose?: () => void | Promise<void>;
}

/** Creates a fresh fixture for each test. */
export type SessionStoreFactory = () => SessionStoreFixture | Promise<SessionStoreFixture>;

/** A `text.delta` of run `runId`, task `taskId`. */
export function textDelta(runId: string, taskId: string, text: string, messageId = 'm1'): SessionEvent {
  return { type: 'text.delta', runId, taskId, agent: 'content-creator', messageId, text };
}

/** A minimal valid reduced state at `offset`, for snapshot tests. */
export function emptySessionState(offset: number): SessionState {
  return { ...createSessionState(), offset };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function offsets(records: readonly SessionRecord[]): number[] {
  return records.map((record) => record.offset);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

const runEnd: SessionEvent = { type: 'run.completed', runId: 'r1', deliverableIds: [] };
const cancelRequest: SessionEvent = { type: 'cancel.requested', runId: 'r1', by: { kind: 'system' } };

/**
 * The behaviour every `SessionStore` must show, as vitest `describe` blocks. Run it unchanged
 * from each store's test file:
 *
 * ```ts
 * describeSessionStoreConformance('MemoryStore', () => ({ store: new MemoryStore() }));
 * ```
 */
export function describeSessionStoreConformance(name: string, factory: SessionStoreFactory): void {
  describe(`SessionStore conformance: ${name}`, () => {
    let fixture: SessionStoreFixture;
    let store: SessionStore;
    let session: string;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      session = `conformance-${randomUUID()}`;
    });

    afterEach(async () => {
      await store.close();
      await fixture.dispose?.();
    });

    async function appendDeltas(count: number, runId = 'r1', taskId = 't1'): Promise<SessionRecord[]> {
      const events = range(1, count).map((index) => textDelta(runId, taskId, `token ${index} `));
      return (await store.append(session, events)).records;
    }

    describe('offsets', () => {
      it('starts an empty log at offset 0 with a stable epoch', async () => {
        const head = await store.head(session);
        expect(head.offset).toBe(0);
        expect(head.epoch).toMatch(/.+/);
        expect((await store.head(session)).epoch).toBe(head.epoch);
        expect(await store.read(session, 0)).toEqual([]);
        expect(await store.firstOffset(session)).toBe(1);
      });

      it('assigns 1, 2, 3, ... and returns the stored records', async () => {
        const first = await store.append(session, [textDelta('r1', 't1', 'a')]);
        expect(first.duplicate).toBe(false);
        expect(first.records).toHaveLength(1);
        expect(first.records[0]).toMatchObject({ offset: 1, event: { type: 'text.delta', text: 'a' } });
        expect(typeof first.records[0]!.at).toBe('number');
        const second = await appendDeltas(3);
        expect(offsets(second)).toEqual([2, 3, 4]);
        expect((await store.head(session)).offset).toBe(4);
        expect(await store.read(session, 0)).toEqual([...first.records, ...second]);
      });

      it('stores events with their schema defaults applied', async () => {
        const [record] = (
          await store.append(session, [
            { type: 'message.started', runId: 'r1', taskId: 't1', agent: 'content-creator', messageId: 'm1' } as SessionEvent,
          ])
        ).records;
        expect(record!.event).toMatchObject({ type: 'message.started', offline: false });
        expect((await store.read(session, 0))[0]!.event).toMatchObject({ offline: false });
      });

      it('keeps offsets gapless and each append contiguous under 50 concurrent appenders', async () => {
        const sizes = range(1, 50).map((index) => 1 + (index % 3));
        const results = await Promise.all(
          sizes.map((size, appender) =>
            store.append(
              session,
              range(1, size).map((index) => textDelta('r1', `t${appender}`, `${appender}.${index}`)),
            ),
          ),
        );
        const total = sizes.reduce((sum, size) => sum + size, 0);
        for (const [appender, result] of results.entries()) {
          const own = offsets(result.records);
          expect(own).toEqual(range(own[0]!, own[0]! + sizes[appender]! - 1));
        }
        expect(results.flatMap((result) => offsets(result.records)).sort((a, b) => a - b)).toEqual(range(1, total));
        const stored = await store.read(session, 0);
        expect(offsets(stored)).toEqual(range(1, total));
        for (const result of results) {
          for (const record of result.records) expect(stored[record.offset - 1]).toEqual(record);
        }
        expect((await store.head(session)).offset).toBe(total);
      });

      it('keeps sessions apart', async () => {
        const other = `${session}-other`;
        await appendDeltas(3);
        const records = (await store.append(other, [textDelta('r1', 't1', 'x')])).records;
        expect(offsets(records)).toEqual([1]);
        expect((await store.head(session)).offset).toBe(3);
        await store.delete(other);
      });
    });

    describe('read', () => {
      it('reads after an offset, oldest first, with a limit', async () => {
        await appendDeltas(20);
        expect(offsets(await store.read(session, 5, 4))).toEqual([6, 7, 8, 9]);
        expect(offsets(await store.read(session, 17))).toEqual([18, 19, 20]);
        expect(offsets(await store.read(session, 18, 100))).toEqual([19, 20]);
        expect(await store.read(session, 20)).toEqual([]);
        expect(await store.read(session, 99)).toEqual([]);
        expect(await store.read(`${session}-unknown`, 0)).toEqual([]);
      });

      it('rejects a negative or fractional offset and a bad limit', async () => {
        await expect(store.read(session, -1)).rejects.toThrow(ProtocolError);
        await expect(store.read(session, 1.5)).rejects.toThrow(/after/);
        await expect(store.read(session, 0, 0)).rejects.toThrow(/limit/);
      });
    });

    describe('subscribe', () => {
      it('replays stored records in batches, then delivers live ones', async () => {
        await appendDeltas(25);
        const batches: SessionRecord[][] = [];
        const subscription = store.subscribe(session, 3, (batch) => batches.push(batch), { batchSize: 10 });
        await waitFor(() => batches.flat().length === 22, 'the replay');
        expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(10);
        await appendDeltas(2);
        await waitFor(() => batches.flat().length === 24, 'live records');
        expect(offsets(batches.flat())).toEqual(range(4, 27));
        subscription.close();
        subscription.close();
      });

      it('says once when the replay is over, every stored record delivered before', async () => {
        await appendDeltas(25);
        const received: number[] = [];
        const liveAt: number[] = [];
        const subscription = store.subscribe(session, 0, (batch) => received.push(...offsets(batch)), {
          batchSize: 10,
          onLive: () => liveAt.push(received.length),
        });
        await waitFor(() => liveAt.length === 1, 'the end of the replay');
        expect(liveAt).toEqual([25]);
        await appendDeltas(2);
        await waitFor(() => received.length === 27, 'live records');
        expect(received).toEqual(range(1, 27));
        expect(liveAt).toEqual([25]);
        subscription.close();
      });

      it('gives the event loop a turn between replayed pages, so a long replay starves no other session', async () => {
        const pages = 40;
        const batchSize = 50;
        for (let index = 0; index < (pages * batchSize) / 1000; index++) await appendDeltas(1000);
        // Counts turns of the event loop (not time) while the replay runs: a replay resolved on
        // microtasks alone would finish in one turn and hold every other session's traffic meanwhile.
        let turns = 0;
        let replaying = true;
        const tick = (): void => {
          if (!replaying) return;
          turns += 1;
          setImmediate(tick);
        };
        setImmediate(tick);
        let received = 0;
        let turnsAtHalf = -1;
        const subscription = store.subscribe(
          session,
          0,
          (batch) => {
            received += batch.length;
            if (turnsAtHalf < 0 && received >= (pages * batchSize) / 2) turnsAtHalf = turns;
          },
          { batchSize },
        );
        await waitFor(() => received === pages * batchSize, 'the whole replay');
        replaying = false;
        subscription.close();
        expect(turnsAtHalf).toBeGreaterThanOrEqual(pages / 4);
      });

      it('joins replay and live tail without gap or duplicate while appends race the replay', async () => {
        await appendDeltas(300);
        const received: SessionRecord[] = [];
        const subscription = store.subscribe(session, 0, (batch) => received.push(...batch), { batchSize: 7 });
        const writers = range(1, 200).map((index) => store.append(session, [textDelta('r1', 't2', `live ${index}`)]));
        await Promise.all(writers);
        await waitFor(() => received.length >= 500, 'all 500 records');
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(offsets(received)).toEqual(range(1, 500));
        subscription.close();
      });

      it('joins without gap or duplicate for subscribers that start while a writer streams', async () => {
        await appendDeltas(100);
        const subscribers: { received: SessionRecord[]; subscription: { close(): void } }[] = [];
        for (let index = 1; index <= 200; index++) {
          await store.append(session, [textDelta('r1', 't2', `live ${index}`)]);
          if (index % 20 === 0) {
            const received: SessionRecord[] = [];
            const subscription = store.subscribe(session, index % 40, (batch) => received.push(...batch), {
              batchSize: 3 + (index % 11),
            });
            subscribers.push({ received, subscription });
          }
        }
        for (const { received, subscription } of subscribers) {
          await waitFor(() => received.length >= 300 - (received[0]?.offset ?? 1) + 1, 'a streaming join');
          expect(offsets(received)).toEqual(range(received[0]!.offset, 300));
          expect(received[0]!.offset === 1 || received[0]!.offset === 21).toBe(true);
          subscription.close();
        }
        expect(subscribers).toHaveLength(10);
      });

      it('serves several subscribers, and one that throws harms no other', async () => {
        await appendDeltas(5);
        const errors: unknown[] = [];
        const fromStart: number[] = [];
        const fromThree: number[] = [];
        let thrown = 0;
        const a = store.subscribe(session, 0, (batch) => fromStart.push(...offsets(batch)));
        const b = store.subscribe(
          session,
          0,
          () => {
            thrown++;
            throw new Error('listener failure');
          },
          { onError: (error) => errors.push(error) },
        );
        const c = store.subscribe(session, 3, (batch) => fromThree.push(...offsets(batch)));
        await waitFor(() => fromStart.length === 5 && fromThree.length === 2, 'the replays');
        await appendDeltas(3);
        await waitFor(() => fromStart.length === 8 && fromThree.length === 5, 'live records');
        expect(fromStart).toEqual(range(1, 8));
        expect(fromThree).toEqual(range(4, 8));
        expect(thrown).toBeGreaterThanOrEqual(2);
        expect(errors.length).toBe(thrown);
        expect(offsets(await appendDeltas(1))).toEqual([9]);
        for (const subscription of [a, b, c]) subscription.close();
      });

      it('stops delivering once closed', async () => {
        const received: number[] = [];
        const subscription = store.subscribe(session, 0, (batch) => received.push(...offsets(batch)));
        await appendDeltas(2);
        await waitFor(() => received.length === 2, 'live records');
        subscription.close();
        await appendDeltas(2);
        const probe: number[] = [];
        const later = store.subscribe(session, 0, (batch) => probe.push(...offsets(batch)));
        await waitFor(() => probe.length === 4, 'a second subscriber');
        expect(received).toEqual([1, 2]);
        later.close();
      });

      it('rejects a bad offset or listener at once', () => {
        expect(() => store.subscribe(session, -1, () => {})).toThrow(ProtocolError);
        expect(() => store.subscribe(session, 0, 'nope' as never)).toThrow(/listener/);
      });
    });

    describe('fence', () => {
      it('refuses content of a run whose terminal event is stored, and nothing else', async () => {
        await appendDeltas(2);
        await store.append(session, [runEnd]);
        const refused = store.append(session, [textDelta('r1', 't9', 'late')]);
        await expect(refused).rejects.toBeInstanceOf(FencedError);
        await expect(store.append(session, [textDelta('r1', 't1', 'late')])).rejects.toMatchObject({
          runId: 'r1',
          code: 'conflict',
        });
        await expect(
          store.append(session, [
            { type: 'usage', runId: 'r1', agent: 'data-analyst', inputTokens: 1, outputTokens: 1, costUsd: 0 } as SessionEvent,
          ]),
        ).rejects.toBeInstanceOf(FencedError);
        expect((await store.head(session)).offset).toBe(3);
        expect(offsets((await store.append(session, [cancelRequest])).records)).toEqual([4]);
        expect(offsets(await appendDeltas(1, 'r2'))).toEqual([5]);
        for (const terminal of [
          { type: 'run.cancelled', runId: 'r3', by: { kind: 'system' } },
          { type: 'run.failed', runId: 'r4', error: { code: 'internal', message: 'x' } },
          { type: 'run.interrupted', runId: 'r5', reason: 'restart' },
        ] as SessionEvent[]) {
          const runId = (terminal as { runId: string }).runId;
          await store.append(session, [textDelta(runId, 't1', 'before')]);
          await store.append(session, [terminal]);
          await expect(store.append(session, [textDelta(runId, 't1', 'after')])).rejects.toBeInstanceOf(FencedError);
        }
      });

      it('stores one terminal event per run: a second one is refused', async () => {
        await store.append(session, [runEnd]);
        await expect(store.append(session, [{ type: 'run.interrupted', runId: 'r1', reason: 'lease lost' }])).rejects.toMatchObject({
          name: 'FencedError',
          runId: 'r1',
        });
        await expect(
          store.append(session, [
            { type: 'run.cancelled', runId: 'r2', by: { kind: 'system' } },
            { type: 'run.failed', runId: 'r2', error: { code: 'internal', message: 'x', retryable: false } },
          ]),
        ).rejects.toBeInstanceOf(FencedError);
        expect((await store.head(session)).offset).toBe(1);
      });

      it('refuses content of a cancelled task but not of its siblings', async () => {
        await appendDeltas(1, 'r1', 't1');
        await store.append(session, [{ type: 'task.cancelled', runId: 'r1', taskId: 't1' }]);
        await expect(store.append(session, [textDelta('r1', 't1', 'late')])).rejects.toMatchObject({
          name: 'FencedError',
          runId: 'r1',
          taskId: 't1',
        });
        expect(offsets(await appendDeltas(1, 'r1', 't2'))).toEqual([3]);
        expect(offsets(await appendDeltas(1, 'r2', 't1'))).toEqual([4]);
      });

      it('is all-or-nothing, counting fences earlier in the same append', async () => {
        await store.append(session, [runEnd]);
        await expect(
          store.append(session, [textDelta('r2', 't1', 'fine'), textDelta('r1', 't1', 'fenced')]),
        ).rejects.toBeInstanceOf(FencedError);
        await expect(
          store.append(session, [
            { type: 'task.cancelled', runId: 'r2', taskId: 't1' },
            textDelta('r2', 't1', 'after the cancel'),
          ]),
        ).rejects.toBeInstanceOf(FencedError);
        await expect(
          store.append(session, [{ type: 'run.completed', runId: 'r3', deliverableIds: [] }, textDelta('r3', 't1', 'x')]),
        ).rejects.toBeInstanceOf(FencedError);
        expect((await store.head(session)).offset).toBe(1);
        expect(offsets(await appendDeltas(1, 'r3'))).toEqual([2]);
      });
    });

    describe('idempotency', () => {
      it('applies a client message once and returns the original records on a retry', async () => {
        const brief: SessionEvent = {
          type: 'cancel.requested',
          runId: 'r1',
          reason: 'stop',
          by: { kind: 'human', id: 'u1' },
        };
        const first = await store.append(session, [brief, textDelta('r0', 't0', 'x')], { clientMsgId: 'c-1' });
        await appendDeltas(1);
        const retry = await store.append(session, [brief], { clientMsgId: 'c-1' });
        expect(first).toMatchObject({ duplicate: false, firstOffset: 1, lastOffset: 2 });
        expect(retry).toMatchObject({ duplicate: true, firstOffset: 1, lastOffset: 2 });
        expect(retry.records).toEqual(first.records);
        expect((await store.head(session)).offset).toBe(3);
        const other = await store.append(session, [brief], { clientMsgId: 'c-2' });
        expect(other.duplicate).toBe(false);
        expect(offsets(other.records)).toEqual([4]);
      });

      it('stores concurrent retries of one message once', async () => {
        const results = await Promise.all(
          range(1, 5).map(() => store.append(session, [cancelRequest], { clientMsgId: 'same' })),
        );
        expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
        for (const result of results) {
          expect(offsets(result.records)).toEqual([1]);
          expect(result).toMatchObject({ firstOffset: 1, lastOffset: 1 });
        }
        expect((await store.head(session)).offset).toBe(1);
      });

      it('still answers a retry with the offsets once retention dropped the records', async () => {
        await store.append(session, [cancelRequest, cancelRequest], { clientMsgId: 'c-1' });
        await store.saveSnapshot(session, { offset: 2, state: emptySessionState(2) });
        expect(await store.applyRetention(session, { maxEvents: 0 })).toBe(2);
        const retry = await store.append(session, [cancelRequest], { clientMsgId: 'c-1' });
        expect(retry).toEqual({ records: [], duplicate: true, firstOffset: 1, lastOffset: 2 });
      });

      it('forgets client message ids older than the retention window, and only those', async () => {
        await store.append(session, [cancelRequest, cancelRequest], { clientMsgId: 'old' });
        await store.append(session, [cancelRequest], { clientMsgId: 'recent' });
        await appendDeltas(5);
        // Head 8: with a window of 6, ids whose last event is at offset 2 or before are forgotten.
        expect(await store.applyRetention(session, { clientMessageWindow: 6 })).toBe(0);
        expect(await store.findClientMessage(session, 'old')).toBeUndefined();
        expect(await store.findClientMessage(session, 'recent')).toEqual({ firstOffset: 3, lastOffset: 3 });
        // No snapshot: every event is still held, whatever happened to the ids.
        expect(offsets(await store.read(session, 0))).toEqual(range(1, 8));
        const retried = await store.append(session, [cancelRequest], { clientMsgId: 'recent' });
        expect(retried).toMatchObject({ duplicate: true, firstOffset: 3, lastOffset: 3 });
        const anew = await store.append(session, [cancelRequest], { clientMsgId: 'old' });
        expect(anew).toMatchObject({ duplicate: false, firstOffset: 9, lastOffset: 9 });
        // The default window keeps every id of a short log.
        expect(await store.applyRetention(session, {})).toBe(0);
        expect(await store.findClientMessage(session, 'recent')).toBeDefined();
        await expect(store.applyRetention(session, { clientMessageWindow: -1 })).rejects.toThrow(/policy\.clientMessageWindow/);
      });

      it('forgets fences older than the fence window, and only those', async () => {
        await store.append(session, [runEnd]);
        await appendDeltas(2, 'r3');
        await store.append(session, [{ type: 'task.cancelled', runId: 'r2', taskId: 't1' }]);
        await appendDeltas(3, 'r3');
        // Head 7: with a window of 5, fences set at offset 2 or before are forgotten (r1's, at 1).
        expect(await store.applyRetention(session, { fenceWindow: 5 })).toBe(0);
        await expect(store.append(session, [textDelta('r2', 't1', 'late')])).rejects.toBeInstanceOf(FencedError);
        expect(await store.append(session, [textDelta('r1', 't1', 'late')])).toMatchObject({ firstOffset: 8, duplicate: false });
        // No snapshot: every event is still held, whatever happened to the fences.
        expect(offsets(await store.read(session, 0))).toEqual(range(1, 8));
        // The default window keeps every fence of a short log.
        expect(await store.applyRetention(session, {})).toBe(0);
        await expect(store.append(session, [textDelta('r2', 't1', 'later')])).rejects.toBeInstanceOf(FencedError);
        await expect(store.applyRetention(session, { fenceWindow: -1 })).rejects.toThrow(/policy\.fenceWindow/);
      });

      it('does not remember a message that was refused', async () => {
        await store.append(session, [runEnd]);
        await expect(store.append(session, [textDelta('r1', 't1', 'x')], { clientMsgId: 'm' })).rejects.toThrow(FencedError);
        const later = await store.append(session, [cancelRequest], { clientMsgId: 'm' });
        expect(later.duplicate).toBe(false);
      });

      it('rejects a malformed client message id', async () => {
        await expect(store.append(session, [cancelRequest], { clientMsgId: 'a b' })).rejects.toThrow(/clientMsgId/);
        expect((await store.head(session)).offset).toBe(0);
        await expect(store.findClientMessage(session, 'a b')).rejects.toThrow(/clientMsgId/);
      });

      it('finds where a client message was stored, and nothing for one that was not', async () => {
        expect(await store.findClientMessage(session, 'c-1')).toBeUndefined();
        await appendDeltas(2);
        await store.append(session, [cancelRequest, cancelRequest], { clientMsgId: 'c-1' });
        await store.append(session, [runEnd], { clientMsgId: 'c-2' });
        expect(await store.findClientMessage(session, 'c-1')).toEqual({ firstOffset: 3, lastOffset: 4 });
        // Still found once the run is fenced: a retry's outcome never depends on later events.
        expect(await store.findClientMessage(session, 'c-2')).toEqual({ firstOffset: 5, lastOffset: 5 });
        expect(await store.findClientMessage(session, 'c-3')).toBeUndefined();
        expect(await store.findClientMessage(`${session}-other`, 'c-1')).toBeUndefined();
      });

      it('lists the runs whose brief is stored and that have not ended (when it can enumerate them)', async () => {
        if (!store.openRuns) return;
        const briefOf = (runId: string): SessionEvent => ({ type: 'brief.submitted', runId, brief: { goal: 'Open runs', channels: [], deliverables: [], reviewGates: [] }, by: { kind: 'human', id: 'u1' } });
        const mine = async () => (await store.openRuns!()).filter((run) => run.session.startsWith(session)).sort((a, b) => a.session.localeCompare(b.session) || a.runId.localeCompare(b.runId));
        await store.append(session, [briefOf('r1'), briefOf('r2')]);
        await store.append(`${session}-b`, [briefOf('r1')]);
        expect(await mine()).toEqual([
          { session, runId: 'r1' },
          { session, runId: 'r2' },
          { session: `${session}-b`, runId: 'r1' },
        ]);
        await store.append(session, [{ type: 'run.interrupted', runId: 'r1', reason: 'gone' }]);
        await store.append(`${session}-b`, [runEnd]);
        expect(await mine()).toEqual([{ session, runId: 'r2' }]);
        // A refused append changes nothing.
        await expect(store.append(session, [briefOf('r3'), runEnd, runEnd])).rejects.toThrow(FencedError);
        expect(await mine()).toEqual([{ session, runId: 'r2' }]);
        await store.delete(session);
        expect(await mine()).toEqual([]);
      });

      it('forgets client messages with the log it deleted', async () => {
        await store.append(session, [cancelRequest], { clientMsgId: 'c-1' });
        await store.delete(session);
        expect(await store.findClientMessage(session, 'c-1')).toBeUndefined();
      });
    });

    describe('snapshots', () => {
      it('saves and loads the newest snapshot', async () => {
        expect(await store.loadSnapshot(session)).toBeUndefined();
        await appendDeltas(10);
        await store.saveSnapshot(session, { offset: 8, state: emptySessionState(8) });
        await store.saveSnapshot(session, { offset: 5, state: emptySessionState(5) });
        expect(await store.loadSnapshot(session)).toEqual({ offset: 8, state: emptySessionState(8) });
        await store.saveSnapshot(session, { offset: 10, state: emptySessionState(10) });
        expect((await store.loadSnapshot(session))?.offset).toBe(10);
      });

      it('rejects a snapshot beyond the head or with an invalid state', async () => {
        await appendDeltas(2);
        await expect(store.saveSnapshot(session, { offset: 3, state: emptySessionState(3) })).rejects.toThrow(
          /snapshot\.offset/,
        );
        await expect(
          store.saveSnapshot(session, { offset: 1, state: { ...emptySessionState(1), runs: 'x' } as never }),
        ).rejects.toThrow(/snapshot\.state\.runs/);
        expect(await store.loadSnapshot(session)).toBeUndefined();
      });
    });

    describe('retention', () => {
      it('drops nothing without a snapshot', async () => {
        await appendDeltas(10);
        expect(await store.applyRetention(session, { maxEvents: 2, maxAgeMs: 0 })).toBe(0);
        expect(await store.firstOffset(session)).toBe(1);
      });

      it('trims by count, never past the newest snapshot', async () => {
        await appendDeltas(10);
        await store.saveSnapshot(session, { offset: 5, state: emptySessionState(5) });
        expect(await store.applyRetention(session, { maxEvents: 2 })).toBe(5);
        expect(await store.firstOffset(session)).toBe(6);
        expect(offsets(await store.read(session, 0))).toEqual(range(6, 10));
        expect(offsets(await store.read(session, 3, 2))).toEqual([6, 7]);
        await store.saveSnapshot(session, { offset: 10, state: emptySessionState(10) });
        expect(await store.applyRetention(session, { maxEvents: 2 })).toBe(3);
        expect(await store.firstOffset(session)).toBe(9);
        expect(await store.applyRetention(session, { maxEvents: 2 })).toBe(0);
        expect((await store.head(session)).offset).toBe(10);
        expect(offsets(await appendDeltas(1))).toEqual([11]);
      });

      it('trims by age, never past the newest snapshot', async () => {
        await appendDeltas(10);
        await store.saveSnapshot(session, { offset: 7, state: emptySessionState(7) });
        expect(await store.applyRetention(session, { maxAgeMs: 3_600_000 })).toBe(0);
        expect(await store.applyRetention(session, { maxAgeMs: 0 })).toBe(7);
        expect(await store.firstOffset(session)).toBe(8);
        const received: number[] = [];
        const subscription = store.subscribe(session, 0, (batch) => received.push(...offsets(batch)));
        await waitFor(() => received.length === 3, 'the trimmed replay');
        expect(received).toEqual([8, 9, 10]);
        subscription.close();
      });

      it('rejects an invalid policy', async () => {
        await expect(store.applyRetention(session, { maxEvents: -1 })).rejects.toThrow(/policy\.maxEvents/);
      });
    });

    describe('delete', () => {
      it('starts a new epoch at offset 1 and forgets everything', async () => {
        await appendDeltas(3);
        await store.append(session, [runEnd], { clientMsgId: 'c-1' });
        await store.saveSnapshot(session, { offset: 4, state: emptySessionState(4) });
        const before = await store.head(session);
        let reset = 0;
        const subscription = store.subscribe(session, 4, () => {}, { epoch: before.epoch, onReset: () => reset++ });
        await store.delete(session);
        await waitFor(() => reset === 1, 'the reset notice');
        const after = await store.head(session);
        expect(after.offset).toBe(0);
        expect(after.epoch).not.toBe(before.epoch);
        expect(await store.read(session, 0)).toEqual([]);
        expect(await store.loadSnapshot(session)).toBeUndefined();
        expect(offsets(await appendDeltas(1))).toEqual([1]);
        expect((await store.append(session, [runEnd], { clientMsgId: 'c-1' })).duplicate).toBe(false);
        expect((await store.head(session)).epoch).toBe(after.epoch);
        subscription.close();
        let staleReset = 0;
        const stale: number[] = [];
        store.subscribe(session, 0, (batch) => stale.push(...offsets(batch)), {
          epoch: before.epoch,
          onReset: () => staleReset++,
        });
        await waitFor(() => staleReset === 1, 'the reset of a subscription naming an old epoch');
        expect(stale).toEqual([]);
      });
    });

    describe('validation', () => {
      const badIds: unknown[] = ['', 'has space', 'x'.repeat(129), 'a/b', '{x}', 42];

      it('rejects invalid session ids with an error naming the field', async () => {
        for (const id of badIds) {
          const bad = id as string;
          for (const call of [
            () => store.append(bad, [cancelRequest]),
            () => store.read(bad, 0),
            () => store.head(bad),
            () => store.saveSnapshot(bad, { offset: 0, state: emptySessionState(0) }),
            () => store.loadSnapshot(bad),
            () => store.applyRetention(bad, {}),
            () => store.firstOffset(bad),
            () => store.delete(bad),
          ]) {
            const error = await call().then(
              () => undefined,
              (caught: unknown) => caught,
            );
            expect(error).toBeInstanceOf(ProtocolError);
            expect((error as ProtocolError).field).toBe('session');
          }
          expect(() => store.subscribe(bad, 0, () => {})).toThrow(ProtocolError);
        }
      });

      it('rejects invalid and oversize events before anything is stored', async () => {
        await appendDeltas(1);
        const cases: [unknown[], RegExp][] = [
          [[], /events/],
          [[{ type: 'no.such.event' }], /events\.0\.type/],
          [[textDelta('r1', 't1', 'ok'), { ...textDelta('r1', 't1', 'x'), agent: 'Not An Agent' }], /events\.1\.agent/],
          [[textDelta('r1', 't1', 'ok'), textDelta('r1', 't1', 'x'.repeat(16_001))], /events\.1\.text/],
          [[{ ...textDelta('r1', 't1', 'x'), runId: '' }], /events\.0\.runId/],
          [
            [
              {
                type: 'message.completed',
                runId: 'r1',
                taskId: 't1',
                agent: 'content-creator',
                messageId: 'm1',
                text: '\u0001'.repeat(400_000),
              },
            ],
            /events\.0/,
          ],
          [range(1, 100_001).map(() => cancelRequest), /events/],
        ];
        for (const [events, field] of cases) {
          const error = await store.append(session, events as SessionEvent[]).then(
            () => undefined,
            (caught: unknown) => caught,
          );
          expect(error).toBeInstanceOf(ProtocolError);
          expect((error as Error).message).toMatch(field);
        }
        expect((await store.head(session)).offset).toBe(1);
        expect(offsets(await store.read(session, 0))).toEqual([1]);
      });
    });

    describe('model', () => {
      type Step = { events: { kind: 'delta' | 'run-end' | 'task-cancel' | 'note'; run: number; task: number }[]; id?: number };
      const stepArbitrary: fc.Arbitrary<Step> = fc.record(
        {
          events: fc.array(
            fc.record({
              kind: fc.constantFrom('delta', 'delta', 'delta', 'run-end', 'task-cancel', 'note'),
              run: fc.integer({ min: 1, max: 3 }),
              task: fc.integer({ min: 1, max: 2 }),
            }),
            { minLength: 1, maxLength: 4 },
          ),
          id: fc.integer({ min: 1, max: 6 }),
        },
        { requiredKeys: ['events'] },
      );

      function toEvent(event: Step['events'][number], index: number): SessionEvent {
        const runId = `r${event.run}`;
        const taskId = `t${event.task}`;
        if (event.kind === 'delta') return textDelta(runId, taskId, `text ${index}`);
        if (event.kind === 'run-end') return { type: 'run.completed', runId, deliverableIds: [] };
        if (event.kind === 'task-cancel') return { type: 'task.cancelled', runId, taskId };
        return { type: 'cancel.requested', runId, by: { kind: 'system' } };
      }

      it('matches a reference log under random appends, fences and retried client messages', async () => {
        let run = 0;
        await fc.assert(
          fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 25 }), async (steps) => {
            const id = `${session}-model-${++run}`;
            const log: SessionEvent[] = [];
            const closed = new Set<string>();
            const sent = new Map<number, number[]>();
            for (const [index, step] of steps.entries()) {
              const events = step.events.map((event, position) => toEvent(event, index * 10 + position));
              const options = step.id === undefined ? undefined : { clientMsgId: `c${step.id}` };
              const outcome = await store.append(id, events, options).then(
                (result) => result,
                (error: unknown) => error,
              );
              if (step.id !== undefined && sent.has(step.id)) {
                expect(outcome).toMatchObject({ duplicate: true });
                expect(offsets((outcome as { records: SessionRecord[] }).records)).toEqual(sent.get(step.id));
                continue;
              }
              // The model: refuse content of a closed run or task, counting this append's own closings.
              const closing = new Set(closed);
              let fenced = false;
              for (const event of step.events) {
                const runKey = `r${event.run}`;
                const taskKey = `r${event.run}/t${event.task}`;
                if (event.kind === 'delta' && (closing.has(runKey) || closing.has(taskKey))) fenced = true;
                if (event.kind === 'run-end') {
                  if (closing.has(runKey)) fenced = true;
                  closing.add(runKey);
                }
                if (event.kind === 'task-cancel') closing.add(taskKey);
              }
              if (fenced) {
                expect(outcome).toBeInstanceOf(FencedError);
                continue;
              }
              const expected = range(log.length + 1, log.length + events.length);
              expect(outcome).toMatchObject({ duplicate: false });
              expect(offsets((outcome as { records: SessionRecord[] }).records)).toEqual(expected);
              log.push(...events);
              for (const key of closing) closed.add(key);
              if (step.id !== undefined) sent.set(step.id, expected);
            }
            const stored = await store.read(id, 0);
            expect(stored.map((record) => record.event)).toEqual(log);
            expect(offsets(stored)).toEqual(range(1, log.length));
            expect((await store.head(id)).offset).toBe(log.length);
            await store.delete(id);
          }),
          { numRuns: 25 },
        );
      });
    });

    describe('durability across close and reopen', () => {
      it('keeps records, epoch, fences, client message ids and snapshots', async (context) => {
        // A store that keeps nothing across a restart (memory) has no durability to prove.
        if (!fixture.reopen) {
          context.skip();
          return;
        }
        const written = await appendDeltas(5);
        await store.append(session, [runEnd], { clientMsgId: 'c-1' });
        await store.append(session, [{ type: 'task.cancelled', runId: 'r2', taskId: 't1' }]);
        await store.saveSnapshot(session, { offset: 6, state: emptySessionState(6) });
        const head = await store.head(session);
        await store.close();
        store = await fixture.reopen();
        expect(await store.head(session)).toEqual(head);
        expect((await store.read(session, 0)).slice(0, 5)).toEqual(written);
        await expect(store.append(session, [textDelta('r1', 't1', 'late')])).rejects.toBeInstanceOf(FencedError);
        await expect(store.append(session, [textDelta('r2', 't1', 'late')])).rejects.toBeInstanceOf(FencedError);
        const retry = await store.append(session, [runEnd], { clientMsgId: 'c-1' });
        expect(retry).toMatchObject({ duplicate: true, records: [{ offset: 6 }] });
        expect((await store.loadSnapshot(session))?.offset).toBe(6);
        expect(offsets(await appendDeltas(1, 'r3'))).toEqual([8]);
      });
    });
  });
}
