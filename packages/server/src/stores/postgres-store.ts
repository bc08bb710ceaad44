import type { SessionEvent, SessionRecord } from '@marketing-team/core';
import type { Notification, Pool, PoolClient } from 'pg';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FenceState, assertSessionId, fenceTarget, taskFenceKey } from './_fence.js';
import { storedStateJson } from './_state-json.js';
import {
  LazyPostgresPool,
  PoolSchema,
  TablePrefixSchema,
  nowMs,
  postgresTables,
  rollback,
  type PostgresTables,
} from './_postgres-schema.js';
import { Tail } from './_tail.js';
import {
  StoreLimitsSchema,
  parseOptions,
  prepareAppend,
  retentionCut,
  snapshotBeyondHead,
  validateClientMessageLookup,
  validateRead,
  validateRetention,
  validateSnapshot,
  validateSubscribe,
  type PreparedAppend,
  type ResolvedLimits,
} from './_validate.js';
import {
  FencedError,
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

/** Options of `PostgresStore`. */
export interface PostgresStoreOptions extends StoreLimits {
  /**
   * A `pg` pool to use (the store never ends it). The store keeps one of its connections checked
   * out for LISTEN while anything is subscribed, and appends use up to four at once (batches), so
   * size the pool for those beside the reads.
   */
  pool?: Pool;
  /**
   * Connection string when no pool is given. Without one, `pg` reads the usual `PG*`
   * environment variables (`PGHOST`, `PGUSER`, `PGDATABASE`, ...).
   */
  connectionString?: string;
  /** Most connections of the pool the store opens (default 10); ignored with `pool`. */
  maxConnections?: number;
  /**
   * Prefix of every table and of the notification channel (default `mt_`), so several apps, or
   * tests, can share one database.
   */
  tablePrefix?: string;
}

const PostgresStoreOptionsSchema = z.object({
  ...StoreLimitsSchema.shape,
  pool: PoolSchema.optional(),
  connectionString: z.string().min(1).optional(),
  maxConnections: z.number().int().min(2).max(1000).default(10),
  tablePrefix: TablePrefixSchema,
});

/** Counters of a `PostgresStore`, for benchmarks and monitoring. */
export interface PostgresStoreMetrics {
  /** Appends stored by this store (duplicates and refused appends excluded). */
  appends: number;
  /**
   * Queries sent for appends: one per batch (its own transaction; there is no BEGIN or COMMIT to
   * send). An append made while no batch of its session is in flight goes at once, so appends
   * made one after another cost one query each; appends made meanwhile share the next batch.
   */
  appendRoundTrips: number;
  /** Reads of the events table: `read` calls, replays and live-tail fetches. */
  readRoundTrips: number;
  /** Notifications received for sessions this store follows. */
  notifications: number;
  /** Notifications that showed an earlier one was missed; the rows were read from the table. */
  gapRepairs: number;
  /** Times the LISTEN connection was lost and opened again. */
  listenReconnects: number;
}

/** A session this store follows live, shared by all its local subscriptions. */
interface Channel {
  session: string;
  tails: Set<Tail>;
  /** The epoch of the followed log; unknown until the channel is set up. */
  epoch: string | undefined;
  /** Highest offset read from the table and handed to the tails. */
  fetched: number;
  /** Highest offset a notification announced. */
  notified: number;
  /** True while a fetch loop runs, so notifications arriving meanwhile only raise `notified`. */
  fetching: boolean;
  /** Epochs a reset was announced for while the channel's own epoch was still unknown. */
  resetEpochs: Set<string>;
}

/** Payload of a notification: session, epoch, first and last offset (or a reset of that epoch). */
interface NotifyPayload {
  s: string;
  e: string;
  f?: number;
  o?: number;
  reset?: true;
}

/** A row the batch append function returns, one per append (bigints arrive as strings). */
interface AppendRow {
  b_index: string;
  b_outcome: 'stored' | 'duplicate' | 'fenced';
  b_epoch: string;
  b_first: string | null;
  b_last: string | null;
  b_at: string | null;
  b_fenced: string[] | null;
  b_seqs: string[] | null;
  b_ats: string[] | null;
  b_events: string[] | null;
}

interface EventRow {
  seq: string;
  at: string;
  event: string;
}

/** An append waiting for its batch. */
interface PendingAppend {
  prepared: PreparedAppend;
  /** Characters of its events' JSON, for the batch size limit. */
  chars: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** Batches one store has in flight at once (each holds one pooled connection while it runs). */
const maxBatchesInFlight = 4;
/** Most appends, and characters of event JSON, in one batch (an append alone may exceed the latter). */
const maxAppendsPerBatch = 500;
const maxBatchChars = 4 * 1024 * 1024;

/**
 * One append as the batch function reads it: session, epoch for a new log, the events' JSON, the
 * fences it must not hit, whether it fences itself, what it closes, ends and opens, its client
 * message id. The fence check that needs no database runs here; a known client message id still
 * answers first, so a self-fencing append is sent (flagged) rather than refused on the spot.
 */
function appendArguments(prepared: PreparedAppend): Record<string, unknown> {
  const { events, kinds, clientMsgId } = prepared;
  const check = new Set<string>();
  for (let index = 0; index < events.length; index++) {
    if (kinds[index] === 'other' || kinds[index] === 'task-cancel') continue;
    const { runId, taskId } = fenceTarget(events[index]!);
    check.add(runId);
    if (kinds[index] === 'content' && taskId) check.add(taskFenceKey(runId, taskId));
  }
  let closing: string[] = [];
  let refused = false;
  try {
    closing = new FenceState().check(events, kinds);
  } catch {
    refused = true;
  }
  // Open runs: the last of a run's brief or terminal event in this append decides.
  const openRuns = new Map<string, boolean>();
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    if (kinds[index] === 'run-end') openRuns.set(fenceTarget(event).runId, false);
    else if (event.type === 'brief.submitted') openRuns.set(event.runId, true);
  }
  return {
    s: prepared.session,
    e: randomUUID(),
    v: prepared.json,
    c: [...check],
    r: refused,
    x: [...new Set(closing)],
    d: [...openRuns].filter(([, open]) => !open).map(([runId]) => runId),
    o: [...openRuns].filter(([, open]) => open).map(([runId]) => runId),
    m: clientMsgId ?? null,
  };
}

/** The result of one append from its row, or the `FencedError` it was refused with. */
function appendOutcome(prepared: PreparedAppend, row: AppendRow, source: string): AppendResult {
  const { events, kinds } = prepared;
  const first = Number(row.b_first);
  const last = Number(row.b_last);
  if (row.b_outcome === 'duplicate') {
    const records = (row.b_seqs ?? []).map((seq, index) => ({
      offset: Number(seq),
      at: Number(row.b_ats![index]),
      event: JSON.parse(row.b_events![index]!) as SessionEvent,
    }));
    return { records, duplicate: true, firstOffset: first, lastOffset: last };
  }
  if (row.b_outcome === 'fenced') {
    // Nothing was stored. Replaying the check with the stored fences throws the FencedError of
    // the first event they refuse, as a check inside the transaction would have.
    const fence = new FenceState();
    fence.add(row.b_fenced ?? []);
    fence.check(events, kinds);
    throw new Error(`${source}: refused an append that no fence refuses`);
  }
  const at = Number(row.b_at);
  return {
    records: events.map((event, index) => ({ offset: first + index, at, event })),
    duplicate: false,
    firstOffset: first,
    lastOffset: last,
  };
}

const fetchPage = 1000;
const maxRetryDelayMs = 5000;

/**
 * A `SessionStore` on PostgreSQL (`pg`), for apps that already run PostgreSQL, on one node or many.
 *
 * - Appends go out in batches, each one statement and one transaction (the schema's append
 *   functions, see `_postgres-schema.ts`): an append made while no batch of its session is in
 *   flight is sent at once; those made meanwhile share the next batch, its round trip and its
 *   commit. For each append the function locks the session's head row, which serialises writers
 *   of one session on every node, so offsets are gapless and each append contiguous; a refused or
 *   duplicate append never moves the head. Sequences are never used (they leave gaps). An append
 *   resolves once its batch committed: durable as PostgreSQL's commit is (with the default
 *   `synchronous_commit = on`, flushed to the WAL).
 * - Fences, client message ids and open runs are rows written in the same transaction, read
 *   after the head row is locked, so every node sees what the previous writer committed.
 * - Live tail between nodes uses LISTEN/NOTIFY on one dedicated connection. A notification carries
 *   only the session, its epoch and offsets, never the events: a node reads the rows between its
 *   last offset and the notified one from the table, so a missed or coalesced notification loses
 *   nothing, and a reconnect of the LISTEN connection re-reads every followed session.
 * - Each session has an epoch (created with its head row, replaced once deleted); retention
 *   deletes rows, never past the newest snapshot. Times (`at`, ages) come from the database clock.
 *
 * Tables are created on first use, named `<tablePrefix>sessions`, `…events` and so on; the
 * notification channel is `<tablePrefix>events`. Every node receives every notification of its
 * prefix (a few bytes each) and reads rows only for the sessions it follows.
 */
export class PostgresStore implements SessionStore {
  readonly #options: z.output<typeof PostgresStoreOptionsSchema>;
  readonly #limits: ResolvedLimits;
  readonly #tables: PostgresTables;
  readonly #channels = new Map<string, Channel>();
  /** Appends waiting for a batch, in the order they were made. */
  #pending: PendingAppend[] = [];
  /** The batches in flight (which `close` lets finish before it ends the pool), with their sessions. */
  readonly #inFlight = new Map<Promise<void>, Set<string>>();
  readonly #connection: LazyPostgresPool;
  #listener: PoolClient | undefined;
  #listening: Promise<PoolClient> | undefined;
  #listenFailures = 0;
  #closed = false;
  /** Live counters; read them, do not write them. */
  readonly metrics: PostgresStoreMetrics = {
    appends: 0,
    appendRoundTrips: 0,
    readRoundTrips: 0,
    notifications: 0,
    gapRepairs: 0,
    listenReconnects: 0,
  };

  constructor(options: PostgresStoreOptions = {}) {
    this.#options = parseOptions(PostgresStoreOptionsSchema, options, 'options');
    this.#limits = { maxEventBytes: this.#options.maxEventBytes, maxEventsPerAppend: this.#options.maxEventsPerAppend };
    this.#tables = postgresTables(this.#options.tablePrefix);
    this.#connection = new LazyPostgresPool(this.#options);
  }

  /** The table prefix in use. */
  get tablePrefix(): string {
    return this.#options.tablePrefix;
  }

  append(session: string, events: SessionEvent[], options?: AppendOptions): Promise<AppendResult> {
    try {
      this.#assertOpen();
      const prepared = prepareAppend(session, events, options, this.#limits);
      return new Promise((resolve, reject) => {
        const chars = prepared.json.reduce((sum, text) => sum + text.length, 0);
        this.#pending.push({ prepared, chars, resolve, reject });
        // Whatever is pending already waits for a batch in flight (of its session, or for a free
        // slot): only an append that could go now needs a look at the queue.
        if (this.#inFlight.size < maxBatchesInFlight && !this.#sessionInFlight(session)) this.#flush();
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async read(session: string, after: number, limit?: number): Promise<SessionRecord[]> {
    this.#assertOpen();
    validateRead(session, after, limit);
    return this.#readRows(session, after, limit);
  }

  async head(session: string): Promise<SessionHead> {
    this.#assertOpen();
    assertSessionId(session);
    const pool = await this.#db();
    const t = this.#tables;
    // Creating the head row fixes the epoch of a log nobody wrote yet, so it stays stable.
    for (;;) {
      const found = await pool.query<{ epoch: string; head: string }>(
        `SELECT epoch, head FROM ${t.sessions} WHERE session = $1`,
        [session],
      );
      const row = found.rows[0];
      if (row) return { epoch: row.epoch, offset: Number(row.head) };
      const created = await pool.query<{ epoch: string }>(
        `INSERT INTO ${t.sessions} (session, epoch, head, first) VALUES ($1, $2, 0, 1)
         ON CONFLICT (session) DO NOTHING RETURNING epoch`,
        [session, randomUUID()],
      );
      if (created.rows[0]) return { epoch: created.rows[0].epoch, offset: 0 };
      // Another node created it in between: read it again.
    }
  }

  async findClientMessage(session: string, clientMsgId: string): Promise<StoredClientMessage | undefined> {
    this.#assertOpen();
    validateClientMessageLookup(session, clientMsgId);
    const pool = await this.#db();
    const found = await pool.query<{ first_seq: string; last_seq: string }>(
      `SELECT first_seq, last_seq FROM ${this.#tables.clientMessages} WHERE session = $1 AND client_msg_id = $2`,
      [session, clientMsgId],
    );
    const row = found.rows[0];
    return row && { firstOffset: Number(row.first_seq), lastOffset: Number(row.last_seq) };
  }

  async openRuns(): Promise<OpenRun[]> {
    this.#assertOpen();
    const pool = await this.#db();
    const found = await pool.query<{ session: string; run_id: string }>(
      `SELECT session, run_id FROM ${this.#tables.openRuns} ORDER BY session, run_id`,
    );
    return found.rows.map((row) => ({ session: row.session, runId: row.run_id }));
  }

  subscribe(session: string, after: number, listener: RecordListener, options?: SubscribeOptions): Subscription {
    this.#assertOpen();
    const resolved = validateSubscribe(session, after, listener, options);
    const tail = new Tail(after, (from, limit) => this.#readRows(session, from, limit), listener, resolved);
    let channel = this.#channels.get(session);
    if (!channel) {
      channel = { session, tails: new Set(), epoch: undefined, fetched: 0, notified: 0, fetching: false, resetEpochs: new Set() };
      this.#channels.set(session, channel);
      void this.#openChannel(channel);
    } else if (channel.epoch !== undefined) {
      if (tail.epoch !== undefined && tail.epoch !== channel.epoch) queueMicrotask(() => tail.reset());
      else tail.start();
    }
    const joined = channel;
    joined.tails.add(tail);
    tail.onClose(() => {
      joined.tails.delete(tail);
      if (joined.tails.size === 0 && this.#channels.get(session) === joined) this.#channels.delete(session);
    });
    return tail;
  }

  async saveSnapshot(session: string, snapshot: StoredSnapshot): Promise<void> {
    this.#assertOpen();
    const valid = validateSnapshot(session, snapshot);
    const state = storedStateJson(valid.state);
    await this.head(session);
    const t = this.#tables;
    await this.#transaction(async (client) => {
      // A share lock: appends may not move the head (or a delete remove the log) meanwhile.
      const locked = await client.query<{ head: string }>(`SELECT head FROM ${t.sessions} WHERE session = $1 FOR SHARE`, [session]);
      const head = Number(locked.rows[0]?.head ?? 0);
      if (valid.offset > head) throw snapshotBeyondHead(valid.offset, head);
      await client.query(
        `INSERT INTO ${t.snapshots} (session, seq, state, saved_at) VALUES ($1, $2, $3, ${nowMs})
         ON CONFLICT (session) DO UPDATE SET seq = excluded.seq, state = excluded.state, saved_at = excluded.saved_at
         WHERE excluded.seq >= ${t.snapshots}.seq`,
        [session, valid.offset, state],
      );
    });
  }

  async loadSnapshot(session: string): Promise<StoredSnapshot | undefined> {
    this.#assertOpen();
    assertSessionId(session);
    const pool = await this.#db();
    const found = await pool.query<{ seq: string; state: string }>(
      `SELECT seq, state FROM ${this.#tables.snapshots} WHERE session = $1`,
      [session],
    );
    const row = found.rows[0];
    return row && { offset: Number(row.seq), state: JSON.parse(row.state) as StoredSnapshot['state'] };
  }

  async applyRetention(session: string, policy: RetentionPolicy): Promise<number> {
    this.#assertOpen();
    const valid = validateRetention(session, policy);
    const t = this.#tables;
    return this.#transaction(async (client) => {
      const locked = await client.query<{ head: string; first: string; snapshot: string | null }>(
        `SELECT s.head, s.first, (SELECT seq FROM ${t.snapshots} WHERE session = s.session) AS snapshot
         FROM ${t.sessions} s WHERE s.session = $1 FOR UPDATE OF s`,
        [session],
      );
      const row = locked.rows[0];
      if (!row) return 0;
      await client.query(`DELETE FROM ${t.clientMessages} WHERE session = $1 AND last_seq <= $2`, [
        session,
        Number(row.head) - valid.clientMessageWindow,
      ]);
      await client.query(`DELETE FROM ${t.fences} WHERE session = $1 AND seq <= $2`, [session, Number(row.head) - valid.fenceWindow]);
      if (row.snapshot === null) return 0;
      let ageCut = 0;
      if (valid.maxAgeMs !== undefined) {
        const aged = await client.query<{ cut: string | null }>(
          `SELECT max(seq) AS cut FROM ${t.events} WHERE session = $1 AND at <= ${nowMs} - $2`,
          [session, valid.maxAgeMs],
        );
        ageCut = Number(aged.rows[0]?.cut ?? 0);
      }
      const cut = retentionCut(valid, Number(row.head), Number(row.snapshot), ageCut);
      if (cut < Number(row.first)) return 0;
      const dropped = await client.query(`DELETE FROM ${t.events} WHERE session = $1 AND seq <= $2`, [session, cut]);
      await client.query(`UPDATE ${t.sessions} SET first = $2 WHERE session = $1`, [session, cut + 1]);
      return dropped.rowCount ?? 0;
    });
  }

  async firstOffset(session: string): Promise<number> {
    this.#assertOpen();
    assertSessionId(session);
    const pool = await this.#db();
    const found = await pool.query<{ first: string }>(`SELECT first FROM ${this.#tables.sessions} WHERE session = $1`, [session]);
    return Number(found.rows[0]?.first ?? 1);
  }

  async delete(session: string): Promise<void> {
    this.#assertOpen();
    assertSessionId(session);
    const t = this.#tables;
    await this.#transaction(async (client) => {
      // Locking the head row first orders the delete with appends, which lock it first too.
      const locked = await client.query<{ epoch: string }>(`SELECT epoch FROM ${t.sessions} WHERE session = $1 FOR UPDATE`, [session]);
      for (const table of [t.events, t.fences, t.clientMessages, t.openRuns, t.snapshots, t.sessions]) {
        await client.query(`DELETE FROM ${table} WHERE session = $1`, [session]);
      }
      const epoch = locked.rows[0]?.epoch;
      if (epoch !== undefined) {
        const payload: NotifyPayload = { s: session, e: epoch, reset: true };
        await client.query('SELECT pg_notify($1, $2)', [t.channel, JSON.stringify(payload)]);
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Appends not yet sent are refused (nothing of them is stored); batches in flight finish.
    for (const pending of this.#pending.splice(0)) pending.reject(new StoreClosedError());
    for (const channel of [...this.#channels.values()]) for (const tail of [...channel.tails]) tail.close();
    this.#channels.clear();
    const listening = this.#listening;
    this.#listening = undefined;
    const listener = this.#listener ?? (await listening?.catch(() => undefined));
    this.#listener = undefined;
    // Destroyed, not returned: a pooled connection must not stay subscribed to the channel.
    listener?.release(true);
    // Batches in flight finish first; then the pool this store opened ends (after any setup in flight).
    await Promise.allSettled([...this.#inFlight.keys()]);
    await this.#connection.end();
  }

  /**
   * Sends what is pending as batches, each one statement (the schema's batch append function) and
   * one commit. An append waits only while a batch holding its session is in flight (which keeps
   * each session's appends in the order they were made, and this node's batches off each other's
   * row locks); everything that arrives meanwhile goes out together next, so under load many
   * appends share one round trip and one WAL flush, and an append alone is sent at once.
   */
  #flush(): void {
    while (this.#pending.length > 0 && this.#inFlight.size < maxBatchesInFlight) {
      const busy = new Set<string>();
      for (const sessions of this.#inFlight.values()) for (const session of sessions) busy.add(session);
      const batch: PendingAppend[] = [];
      const rest: PendingAppend[] = [];
      let bytes = 0;
      for (const pending of this.#pending) {
        const { session } = pending.prepared;
        if (busy.has(session) || (batch.length > 0 && (batch.length >= maxAppendsPerBatch || bytes + pending.chars > maxBatchChars))) {
          // Later appends of this session wait with it, so they keep their order.
          busy.add(session);
          rest.push(pending);
          continue;
        }
        batch.push(pending);
        bytes += pending.chars;
      }
      if (batch.length === 0) return;
      this.#pending = rest;
      const sessions = new Set(batch.map((pending) => pending.prepared.session));
      const sending = this.#sendBatch(batch).finally(() => {
        this.#inFlight.delete(sending);
        if (!this.#closed) this.#flush();
      });
      this.#inFlight.set(sending, sessions);
    }
  }

  #sessionInFlight(session: string): boolean {
    for (const sessions of this.#inFlight.values()) if (sessions.has(session)) return true;
    return false;
  }

  /**
   * One statement, so one transaction: it resolves once PostgreSQL committed it, so the records
   * are durable before any caller acknowledges or delivers them. Appends are sent sorted by
   * session (keeping each session's order), so batches from several nodes take the head rows'
   * locks in one order and never deadlock.
   */
  async #sendBatch(batch: PendingAppend[]): Promise<void> {
    const t = this.#tables;
    const sorted = batch.map((pending, index) => ({ pending, index })).sort((a, b) =>
      a.pending.prepared.session < b.pending.prepared.session ? -1 : a.pending.prepared.session > b.pending.prepared.session ? 1 : a.index - b.index,
    );
    let rows: AppendRow[];
    try {
      const pool = await this.#db();
      this.metrics.appendRoundTrips++;
      const result = await pool.query<AppendRow>({
        name: `${t.appendBatchFunction}_call`,
        text: `SELECT * FROM ${t.appendBatchFunction}($1, $2)`,
        values: [JSON.stringify(sorted.map(({ pending }) => appendArguments(pending.prepared))), t.channel],
      });
      rows = result.rows;
    } catch (error) {
      for (const { pending } of sorted) pending.reject(error);
      return;
    }
    for (const [position, { pending }] of sorted.entries()) {
      const row = rows[position];
      try {
        if (!row || Number(row.b_index) !== position + 1) throw new Error(`${t.appendBatchFunction}: no answer for append ${position + 1}`);
        const outcome = appendOutcome(pending.prepared, row, t.appendBatchFunction);
        if (!outcome.duplicate) this.metrics.appends++;
        pending.resolve(outcome);
      } catch (error) {
        pending.reject(error);
      }
    }
  }

  async #readRows(session: string, after: number, limit: number | undefined, client?: PoolClient): Promise<SessionRecord[]> {
    if (this.#closed) throw new StoreClosedError();
    const db = client ?? (await this.#db());
    this.metrics.readRoundTrips++;
    const found = await db.query<EventRow>({
      name: `${this.#tables.events}_read`,
      text: `SELECT seq, at, event FROM ${this.#tables.events} WHERE session = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      values: [session, after, limit ?? null],
    });
    return found.rows.map((row) => ({ offset: Number(row.seq), at: Number(row.at), event: JSON.parse(row.event) as SessionEvent }));
  }

  async #transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const pool = await this.#db();
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await rollback(client).catch((failure: unknown) => {
        broken = asError(failure);
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** The pool, once the tables exist; a failed setup is retried by the next call. */
  #db(): Promise<Pool> {
    if (this.#closed) return Promise.reject(new StoreClosedError());
    return this.#connection.pool();
  }

  /** Listens, learns the epoch and head, then starts the channel's subscriptions. */
  async #openChannel(channel: Channel): Promise<void> {
    let delay = 100;
    while (!this.#closed && this.#channels.get(channel.session) === channel) {
      try {
        await this.#listen();
        // Read after LISTEN is active: every commit after this read is notified to us.
        const { epoch, offset } = await this.head(channel.session);
        if (this.#channels.get(channel.session) !== channel) return;
        channel.epoch = epoch;
        channel.fetched = Math.max(channel.fetched, offset);
        if (channel.resetEpochs.has(epoch)) return this.#resetChannel(channel);
        channel.resetEpochs.clear();
        for (const tail of [...channel.tails]) {
          if (tail.epoch !== undefined && tail.epoch !== epoch) tail.reset();
          else tail.start();
        }
        this.#pump(channel);
        return;
      } catch (error) {
        if (this.#closed) return;
        for (const tail of channel.tails) tail.reportError(error);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, maxRetryDelayMs);
      }
    }
  }

  /** The LISTEN connection, connected and listening; shared by every channel. */
  #listen(): Promise<PoolClient> {
    if (this.#closed) return Promise.reject(new StoreClosedError());
    this.#listening ??= (async () => {
      const pool = await this.#db();
      const client = await pool.connect();
      let lost = false;
      const onLost = () => {
        // Once closed, `close` has released the connection itself.
        if (lost || this.#closed) return;
        lost = true;
        client.release(true);
        if (this.#listener === client) this.#listener = undefined;
        if (this.#listening === listening) this.#listening = undefined;
        this.metrics.listenReconnects++;
        this.#reconnect();
      };
      client.on('error', onLost);
      client.on('end', onLost);
      client.on('notification', (message: Notification) => this.#onNotification(message));
      try {
        await client.query(`LISTEN ${this.#tables.channel}`);
        if (this.#closed) throw new StoreClosedError();
      } catch (error) {
        // The caller retries; this connection is discarded.
        if (!lost) {
          lost = true;
          client.release(true);
        }
        throw error;
      }
      this.#listener = client;
      this.#listenFailures = 0;
      return client;
    })();
    const listening = this.#listening;
    listening.catch(() => {
      if (this.#listening === listening) this.#listening = undefined;
    });
    return listening;
  }

  /** After the LISTEN connection was lost: listen again, then re-read every followed session. */
  #reconnect(): void {
    const delay = Math.min(50 * 2 ** this.#listenFailures, maxRetryDelayMs);
    setTimeout(() => {
      if (this.#closed || this.#channels.size === 0) return;
      this.#listen().then(
        () => {
          for (const channel of this.#channels.values()) if (channel.epoch !== undefined) void this.#recheck(channel);
        },
        (error: unknown) => {
          for (const channel of this.#channels.values()) for (const tail of channel.tails) tail.reportError(error);
          this.#listenFailures++;
          // A failed attempt did not reach onLost if `pool.connect` itself failed: try again.
          if (!this.#listening && !this.#closed) this.#reconnect();
        },
      );
    }, delay).unref();
  }

  /** Catches a channel up after notifications may have been missed. */
  async #recheck(channel: Channel): Promise<void> {
    try {
      const { epoch, offset } = await this.head(channel.session);
      if (this.#channels.get(channel.session) !== channel) return;
      if (epoch !== channel.epoch) return this.#resetChannel(channel);
      channel.notified = Math.max(channel.notified, offset);
      this.#pump(channel);
    } catch (error) {
      for (const tail of channel.tails) tail.reportError(error);
    }
  }

  #onNotification(message: Notification): void {
    if (message.channel !== this.#tables.channel || !message.payload) return;
    let payload: NotifyPayload;
    try {
      payload = JSON.parse(message.payload) as NotifyPayload;
    } catch {
      return;
    }
    const channel = this.#channels.get(payload.s);
    if (!channel) return;
    this.metrics.notifications++;
    if (payload.reset) {
      if (channel.epoch === undefined) channel.resetEpochs.add(payload.e);
      else if (channel.epoch === payload.e) this.#resetChannel(channel);
      return;
    }
    if (typeof payload.o !== 'number' || typeof payload.f !== 'number') return;
    if (channel.epoch === undefined) {
      channel.notified = Math.max(channel.notified, payload.o);
      return;
    }
    // A log of another epoch: the delete's own notification was missed. The table decides.
    if (payload.e !== channel.epoch) return void this.#recheck(channel);
    if (payload.f > Math.max(channel.fetched, channel.notified) + 1) this.metrics.gapRepairs++;
    channel.notified = Math.max(channel.notified, payload.o);
    this.#pump(channel);
  }

  /** Reads the rows up to the newest notified offset and hands them to the channel's tails. */
  #pump(channel: Channel): void {
    if (channel.fetching || channel.notified <= channel.fetched) return;
    channel.fetching = true;
    void (async () => {
      let delay = 50;
      try {
        while (!this.#closed && this.#channels.get(channel.session) === channel && channel.notified > channel.fetched) {
          let rows: SessionRecord[];
          try {
            rows = await this.#readRows(channel.session, channel.fetched, fetchPage);
          } catch (error) {
            if (this.#closed) return;
            for (const tail of channel.tails) tail.reportError(error);
            await new Promise((resolve) => setTimeout(resolve, delay));
            delay = Math.min(delay * 2, maxRetryDelayMs);
            continue;
          }
          // Nothing there: the log was deleted (its reset notice follows) or trimmed past it.
          if (rows.length === 0) return;
          channel.fetched = rows[rows.length - 1]!.offset;
          for (const tail of [...channel.tails]) tail.push(rows);
        }
      } finally {
        channel.fetching = false;
      }
    })();
  }

  #resetChannel(channel: Channel): void {
    if (this.#channels.get(channel.session) === channel) this.#channels.delete(channel.session);
    for (const tail of [...channel.tails]) tail.reset();
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
