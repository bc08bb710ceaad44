import type { SessionEvent, SessionRecord } from '@marketing-team/core';
import { randomUUID } from 'node:crypto';
import { FenceState, assertSessionId, fenceTarget } from './_fence.js';
import { LiveListeners } from './_live-listeners.js';
import { storedRecord } from './_record-json.js';
import { storedStateJson } from './_state-json.js';
import { Tail } from './_tail.js';
import { nextTurn } from './_next-turn.js';
import {
  prepareAppend,
  resolveLimits,
  reusablePreparedAppend,
  retentionCut,
  snapshotBeyondHead,
  validateRead,
  validateRetention,
  validateSnapshot,
  validateSubscribe,
  validateClientMessageLookup,
  type ResolvedLimits,
} from './_validate.js';
import {
  StoreClosedError,
  type AppendOptions,
  type AppendResult,
  type OpenRun,
  type RecordListener,
  type RetentionPolicy,
  type SessionHead,
  type SessionStore,
  type StoredClientMessage,
  type StoredSnapshot,
  type StoreLimits,
  type SubscribeOptions,
  type Subscription,
} from './session-store.js';

interface MemoryLog {
  epoch: string;
  /** Records still held; `records[i].offset === first + i`. */
  records: SessionRecord[];
  first: number;
  head: number;
  fence: FenceState;
  clientMessages: Map<string, [number, number]>;
  /** Runs with a stored brief and no terminal event. */
  openRuns: Set<string>;
  /** The newest snapshot, its state held as JSON text: one copy when saved, one when loaded. */
  snapshot: { offset: number; json: string } | undefined;
}

/** Options of `MemoryStore`. */
export type MemoryStoreOptions = StoreLimits;

/**
 * A `SessionStore` held in this process's memory: for tests, demos and sessions that need not
 * outlive the process. Nothing survives `close()` or a restart.
 */
export class MemoryStore implements SessionStore {
  private readonly logs = new Map<string, MemoryLog>();
  private readonly live = new LiveListeners();
  private readonly limits: ResolvedLimits;
  /** Filled by each single-event append: read before `live.emit`, the one call that can append again. */
  private readonly prepared = reusablePreparedAppend();
  private closed = false;

  constructor(options?: MemoryStoreOptions) {
    this.limits = resolveLimits(options);
  }

  async append(session: string, events: SessionEvent[], options?: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    const prepared = prepareAppend(session, events, options, this.limits, this.prepared);
    const log = this.open(session);
    if (prepared.clientMsgId !== undefined) {
      const seen = log.clientMessages.get(prepared.clientMsgId);
      if (seen) {
        const [firstOffset, lastOffset] = seen;
        return { records: this.slice(log, firstOffset - 1, lastOffset), duplicate: true, firstOffset, lastOffset };
      }
    }
    const closing = log.fence.check(prepared.events, prepared.kinds);
    const at = Date.now();
    const records: SessionRecord[] = new Array(prepared.events.length);
    for (let index = 0; index < records.length; index++) {
      const event = prepared.events[index]!;
      // The JSON the append validated goes with the record to its first frame, which splices it in.
      const record = storedRecord(log.head + index + 1, at, event, prepared.json[index]!);
      records[index] = record;
      log.records.push(record);
      if (event.type === 'brief.submitted') log.openRuns.add(event.runId);
      else if (prepared.kinds[index] === 'run-end') log.openRuns.delete(fenceTarget(event).runId);
    }
    log.head += records.length;
    log.fence.add(closing, log.head);
    if (prepared.clientMsgId !== undefined) {
      log.clientMessages.set(prepared.clientMsgId, [records[0]!.offset, log.head]);
    }
    this.live.emit(session, records);
    return { records, duplicate: false, firstOffset: records[0]!.offset, lastOffset: log.head };
  }

  async read(session: string, after: number, limit?: number): Promise<SessionRecord[]> {
    this.assertOpen();
    validateRead(session, after, limit);
    // Resolving on a later turn, as a real store's read does, so a loop of reads cannot starve I/O.
    await nextTurn();
    this.assertOpen();
    const log = this.logs.get(session);
    if (!log) return [];
    const start = Math.max(after + 1, log.first) - log.first;
    return log.records.slice(start, limit === undefined ? undefined : start + limit);
  }

  async head(session: string): Promise<SessionHead> {
    this.assertOpen();
    assertSessionId(session);
    const log = this.open(session);
    return { epoch: log.epoch, offset: log.head };
  }

  async openRuns(): Promise<OpenRun[]> {
    this.assertOpen();
    return [...this.logs].flatMap(([session, log]) => [...log.openRuns].map((runId) => ({ session, runId })));
  }

  async findClientMessage(session: string, clientMsgId: string): Promise<StoredClientMessage | undefined> {
    this.assertOpen();
    validateClientMessageLookup(session, clientMsgId);
    const seen = this.logs.get(session)?.clientMessages.get(clientMsgId);
    return seen && { firstOffset: seen[0], lastOffset: seen[1] };
  }

  subscribe(session: string, after: number, listener: RecordListener, options?: SubscribeOptions): Subscription {
    this.assertOpen();
    const resolved = validateSubscribe(session, after, listener, options);
    const tail = new Tail(after, (from, limit) => this.read(session, from, limit), listener, resolved);
    if (resolved.epoch !== undefined && resolved.epoch !== this.logs.get(session)?.epoch) {
      queueMicrotask(() => tail.reset());
      return tail;
    }
    this.live.add(session, tail);
    tail.start();
    return tail;
  }

  async saveSnapshot(session: string, snapshot: StoredSnapshot): Promise<void> {
    this.assertOpen();
    const valid = validateSnapshot(session, snapshot);
    const log = this.open(session);
    if (valid.offset > log.head) throw snapshotBeyondHead(valid.offset, log.head);
    // Text, as the other stores keep it: the caller may change its state after saving, and each
    // load gets a copy of its own. A state the hub saves was serialised already, over several turns.
    if (!log.snapshot || valid.offset >= log.snapshot.offset) log.snapshot = { offset: valid.offset, json: storedStateJson(valid.state) };
  }

  async loadSnapshot(session: string): Promise<StoredSnapshot | undefined> {
    this.assertOpen();
    assertSessionId(session);
    const snapshot = this.logs.get(session)?.snapshot;
    return snapshot && { offset: snapshot.offset, state: JSON.parse(snapshot.json) as StoredSnapshot['state'] };
  }

  async applyRetention(session: string, policy: RetentionPolicy): Promise<number> {
    this.assertOpen();
    const valid = validateRetention(session, policy);
    const log = this.logs.get(session);
    if (!log) return 0;
    const forgetUpTo = log.head - valid.clientMessageWindow;
    for (const [id, [, lastOffset]] of log.clientMessages) if (lastOffset <= forgetUpTo) log.clientMessages.delete(id);
    log.fence.forget(log.head - valid.fenceWindow);
    if (!log.snapshot) return 0;
    let ageCut = 0;
    if (valid.maxAgeMs !== undefined) {
      const oldest = Date.now() - valid.maxAgeMs;
      for (const record of log.records) {
        if (record.at > oldest) break;
        ageCut = record.offset;
      }
    }
    const cut = retentionCut(valid, log.head, log.snapshot.offset, ageCut);
    if (cut < log.first) return 0;
    const dropped = cut - log.first + 1;
    log.records.splice(0, dropped);
    log.first = cut + 1;
    return dropped;
  }

  async firstOffset(session: string): Promise<number> {
    this.assertOpen();
    assertSessionId(session);
    return this.logs.get(session)?.first ?? 1;
  }

  async delete(session: string): Promise<void> {
    this.assertOpen();
    assertSessionId(session);
    this.logs.delete(session);
    this.live.reset(session);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.live.closeAll();
    this.logs.clear();
  }

  private open(session: string): MemoryLog {
    let log = this.logs.get(session);
    if (!log) {
      log = {
        epoch: randomUUID(),
        records: [],
        first: 1,
        head: 0,
        fence: new FenceState(),
        clientMessages: new Map(),
        openRuns: new Set(),
        snapshot: undefined,
      };
      this.logs.set(session, log);
    }
    return log;
  }

  /** Records with `after < offset <= until` that are still held. */
  private slice(log: MemoryLog, after: number, until: number): SessionRecord[] {
    const start = Math.max(after + 1, log.first) - log.first;
    const end = Math.min(until, log.head) - log.first + 1;
    return end > start ? log.records.slice(start, end) : [];
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}
