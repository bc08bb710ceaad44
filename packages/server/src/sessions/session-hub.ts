import {
  ProtocolError,
  SessionIdSchema,
  type ClientFrameOf,
  type ServerFrameOf,
  type SessionRecord,
  type SessionState,
} from '@marketing-team/core';
import { z } from 'zod';
import type { SessionGrant } from '../auth/token-issuer.js';
import { parseClusterViewers, type ClusterViewers } from '../cluster/cluster-viewers.js';
import type { RunLeases } from '../cluster/run-leases.js';
import type { DraftRunContext, RunLauncher } from '../runtime/run-launcher.js';
import type { RetentionPolicy, SessionStore } from '../stores/session-store.js';
import { RetentionPolicySchema } from '../stores/_validate.js';
import { ClientCommands, type CancelRequest, type DraftSubmission, type SteerRequest } from './_client-commands.js';
import { requireCapability } from './_command-checks.js';
import { RunOwnership } from './_run-ownership.js';
import { SessionChannel, type SubscriberEntry } from './_session-channel.js';
import { RecordBatch } from './record-batch.js';
import { nextTurn } from '../stores/_next-turn.js';
import type { HubSubscription, SessionSubscriber, SubscribePosition } from './session-subscriber.js';

/** Options of {@link SessionHub}. */
export interface SessionHubOptions {
  store: SessionStore;
  /** Runs briefs stored through this node; without one, briefs are stored and nothing runs them. */
  launcher?: RunLauncher;
  /** Runs studio drafts (`submitDraft`); without one, drafts are refused. */
  drafts?: RunLauncher<DraftRunContext>;
  /** Save a snapshot after this many events (and whenever a run ends); defaults to 1000. */
  snapshotEvery?: number;
  /** Keep an unused session in memory this long before dropping it; defaults to 30 000 ms. */
  idleSessionMs?: number;
  /**
   * Most unused sessions kept in memory (their reduced state, for fast joins) at once; beyond
   * it the one unused longest is dropped first. Defaults to 1000. Sessions in use (a subscriber,
   * a run of this node) are never dropped.
   */
  maxIdleSessions?: number;
  /**
   * Applied to a session after each snapshot this node saves: which events the store may drop and
   * how long client message ids are remembered. Defaults to keeping every event and the default
   * client message window.
   */
  retention?: RetentionPolicy;
  /**
   * Records in one replay read, and in one step of the reducer while a session opens; defaults
   * to 250. Each page is read, reduced or serialised in one turn of the event loop, so this
   * bounds how long a replay holds up every other session's live stream (about 5 ms at 250).
   */
  replayPageSize?: number;
  /**
   * Newest records of each session kept in memory while it is in use (and for a few seconds after
   * its last subscriber left, for the reconnect that usually follows): a resume from an offset
   * among them is replayed without reading the store. Defaults to 1000; 0 keeps none.
   */
  recentRecords?: number;
  /**
   * Bytes of JSON (about) the recent records of one session may take: past it the oldest are let
   * go first, so a few large events (a deliverable may be megabytes) cannot hold a session's
   * memory at `recentRecords` times their size. Defaults to 1 MiB.
   */
  recentRecordBytes?: number;
  /**
   * Least time between two `presence.changed` frames of a session; changes in between go out
   * together. Defaults to 500 ms (at most two presence frames a second per session).
   */
  presenceIntervalMs?: number;
  /**
   * Record runs left running by a previous process as `run.interrupted` when their session is
   * first opened. Only for a single node: with several nodes, another one may own the run.
   */
  interruptOrphanedRuns?: boolean;
  /**
   * Run ownership across nodes (e.g. `RedisRunLeases`): a run is launched only once its lease is
   * taken, is interrupted if the lease is lost, and gives it back once ended; runs found unended
   * when a session opens are recorded as interrupted only if no node holds their lease.
   */
  runLeases?: RunLeases;
  /**
   * Viewers across nodes (e.g. `RedisClusterViewers`): each node reports its subscribers of a
   * session, and a run's `whenUnwatched` policy counts the viewers of every node, not only its own.
   */
  clusterViewers?: ClusterViewers;
  /** Called with errors that must not crash the server (a failing launcher, a subscriber that threw). */
  onError?: (error: unknown) => void;
}

/** A `publish`, `cancel` or `steer` frame: the client messages that write to the log. */
export type WriteFrame = ClientFrameOf<'publish'> | ClientFrameOf<'cancel'> | ClientFrameOf<'steer'>;

/** The acknowledgement of a client message. */
export type AckFrame = ServerFrameOf<'ack'>;

const OptionsSchema = z.object({
  snapshotEvery: z.number().int().positive().default(1000),
  idleSessionMs: z.number().int().nonnegative().default(30_000),
  maxIdleSessions: z.number().int().nonnegative().default(1000),
  retention: RetentionPolicySchema.optional(),
  replayPageSize: z.number().int().positive().max(10_000).default(250),
  recentRecords: z.number().int().nonnegative().max(100_000).default(1000),
  recentRecordBytes: z.number().int().nonnegative().max(2 ** 30).default(2 ** 20),
  presenceIntervalMs: z.number().int().min(10).max(60_000).default(500),
});

/** Records in the first replay page of a resume. */
const FIRST_REPLAY_PAGE = 64;

/** How long an unused session keeps its recent records, for a client that reconnects. */
const RECENT_KEPT_IDLE_MS = 10_000;

/**
 * The per-session heart of the server. For each active session it follows the store's live
 * tail, keeps the reduced state, saves snapshots, fans records out to subscribers and serves late
 * joiners a snapshot: the channel's lifecycle. Client messages are handled by `_client-commands.ts`,
 * the runs launched through this node are owned by `_run-ownership.ts`.
 * Runs never depend on connections: closing every subscription leaves them running.
 */
export class SessionHub {
  readonly store: SessionStore;
  readonly #runs: RunOwnership;
  readonly #commands: ClientCommands;
  readonly #interruptOrphans: boolean;
  readonly #runLeases: RunLeases | undefined;
  readonly #clusterViewers: ClusterViewers | undefined;
  readonly #options: z.output<typeof OptionsSchema>;
  readonly #onError: (error: unknown) => void;
  readonly #channels = new Map<string, SessionChannel>();
  /**
   * Per unused session, in the order they went unused: the timer that drops it, and the sooner
   * one that lets its recent records go.
   */
  readonly #idle = new Map<string, { drop: NodeJS.Timeout; forget: NodeJS.Timeout }>();
  #closing = false;

  constructor(options: SessionHubOptions) {
    const parsed = OptionsSchema.safeParse({
      snapshotEvery: options.snapshotEvery,
      idleSessionMs: options.idleSessionMs,
      maxIdleSessions: options.maxIdleSessions,
      retention: options.retention,
      replayPageSize: options.replayPageSize,
      recentRecords: options.recentRecords,
      recentRecordBytes: options.recentRecordBytes,
      presenceIntervalMs: options.presenceIntervalMs,
    });
    if (!parsed.success) throw new ProtocolError('bad_frame', parsed.error.issues[0]?.message ?? 'invalid options', 'options');
    this.store = options.store;
    this.#interruptOrphans = options.interruptOrphanedRuns ?? false;
    this.#runLeases = options.runLeases;
    this.#clusterViewers = parseClusterViewers(options.clusterViewers);
    this.#options = parsed.data;
    this.#onError = options.onError ?? ((error) => console.error('[marketing-team] session hub:', error));
    this.#runs = new RunOwnership({
      store: this.store,
      launcher: options.launcher,
      drafts: options.drafts,
      runLeases: options.runLeases,
      onError: this.#onError,
      closing: () => this.#closing,
      release: (channel) => this.#release(channel),
    });
    this.#commands = new ClientCommands({ store: this.store, runs: this.#runs, withChannel: (session, work) => this.#withChannel(session, work) });
    // A crashed run must read as interrupted on every route (Durable Streams readers and the HTTP
    // API too), not only once someone subscribes: single-node stores list their open runs.
    this.orphansSwept = this.#interruptOrphans && !this.#runLeases ? this.#sweepOrphanedRuns() : Promise.resolve(0);
  }

  /**
   * Settles once the runs left running by a previous process (see `interruptOrphanedRuns`) have
   * been recorded as interrupted, with how many sessions had any; 0 when there is nothing to sweep.
   */
  readonly orphansSwept: Promise<number>;

  async #sweepOrphanedRuns(): Promise<number> {
    try {
      const open = (await this.store.openRuns?.()) ?? [];
      const sessions = [...new Set(open.map((run) => run.session))];
      for (const session of sessions) {
        if (this.#closing) break;
        // Opening the channel runs the orphan check of that session.
        await this.#withChannel(session, async () => undefined).catch(this.#onError);
      }
      return sessions.length;
    } catch (error) {
      this.#onError(error);
      return 0;
    }
  }

  /**
   * Starts delivering a session to `subscriber`. With a `from` offset in the current epoch the
   * stored records after it are replayed and the live tail follows with no gap and no
   * duplicate; without one (or with an old epoch, or an offset the store no longer holds) the
   * subscriber gets the reduced state as a snapshot and then the live tail.
   *
   * A resume does not wait for the session to open: its first page is read from the store at
   * once, while the channel loads its snapshot and replays what follows it; the channel's live
   * tail takes over where the store's pages end. A resume of an open session from an offset
   * among its recent records (`recentRecords`) is replayed from memory, with no store read.
   */
  async subscribe(
    session: string,
    grant: SessionGrant,
    subscriber: SessionSubscriber,
    position: SubscribePosition = {},
  ): Promise<HubSubscription> {
    requireCapability(grant, 'read');
    const channel = this.#acquire(session);
    const entry: SubscriberEntry = {
      subscriber,
      channel,
      sentOffset: 0,
      catchingUp: true,
      active: true,
      since: Date.now(),
      seesPresence: grant.capabilities.includes('presence'),
      grant: { capabilities: grant.capabilities, expiresAt: grant.expiresAt },
    };
    const subscription: HubSubscription = {
      close: () => {
        if (!entry.active) return;
        entry.active = false;
        // The entry may have moved to a new channel after a reset of the log.
        entry.channel.subscribers.delete(entry);
        entry.channel.viewersChanged();
        entry.channel.presenceChanged();
        this.#release(entry.channel);
      },
    };
    try {
      const { from, epoch } = position;
      // Where the pages read before the channel was open stopped (undefined: none were read).
      let early: { epoch: string } | undefined;
      if (from !== undefined && !channel.opened) early = await this.#replayBeforeOpen(channel, entry, from, epoch, grant);
      await this.#ready(channel);
      // A join without an offset gets the state: its parts are serialised a slice per turn first,
      // so the snapshot frame of a long session holds up no other session.
      if (from === undefined) await channel.prepareSnapshotJson();
      if (!entry.active) return subscription;
      if (this.#channels.get(session) !== channel) {
        // The log was reset while the channel opened: start over on the new one, with a snapshot.
        return await this.subscribe(session, grant, subscriber);
      }
      channel.subscribers.add(entry);
      channel.viewersChanged();
      if (early && early.epoch !== channel.epoch) {
        // The log was reset while its first pages went out: the new epoch tells the client to start over.
        this.#sendSnapshot(channel, entry, grant);
      } else if (early) {
        await this.#replay(channel, entry);
      } else {
        const needsSnapshot = from === undefined || (epoch !== undefined && epoch !== channel.epoch) || from > channel.offset;
        // The first page doubles as the check that `from` is still stored: no separate round trip.
        // Records the channel still holds need no read at all.
        const first =
          needsSnapshot || from === channel.offset
            ? []
            : (channel.recent.after(from!, FIRST_REPLAY_PAGE) ?? (await this.#firstPage(channel.session, from!)));
        if (!entry.active || entry.channel !== channel) return subscription;
        if (first === undefined || needsSnapshot) {
          this.#sendSnapshot(channel, entry, grant);
        } else {
          entry.sentOffset = from!;
          subscriber.subscribed({ type: 'subscribed', session, epoch: channel.epoch, head: channel.offset, capabilities: grant.capabilities, expiresAt: grant.expiresAt });
          this.#send(channel.epoch, entry, first);
          await entry.subscriber.drain?.();
          await this.#replay(channel, entry);
        }
      }
      if (!entry.active || entry.channel !== channel) return subscription;
      // Checked and flipped in the same tick as the last replayed read, so no batch slips between.
      entry.catchingUp = false;
      entry.channel.sendPresenceList(entry);
      entry.channel.presenceChanged();
      return subscription;
    } catch (error) {
      subscription.close();
      throw error;
    } finally {
      channel.busy -= 1;
      this.#release(channel);
    }
  }

  /** The `subscribed` frame of the current epoch and head, then the state as a snapshot. */
  #sendSnapshot(channel: SessionChannel, entry: SubscriberEntry, grant: SessionGrant): void {
    entry.sentOffset = channel.offset;
    entry.subscriber.subscribed({
      type: 'subscribed',
      session: channel.session,
      epoch: channel.epoch,
      head: channel.offset,
      capabilities: grant.capabilities,
      expiresAt: grant.expiresAt,
    });
    entry.subscriber.snapshot(channel.snapshotJson(), entry.sentOffset);
  }

  /**
   * The records right after `from` (a small page), or undefined when the store no longer holds
   * `from + 1` (retention dropped it): the caller then sends a snapshot.
   */
  async #firstPage(session: string, from: number): Promise<SessionRecord[] | undefined> {
    const records = await this.store.read(session, from, Math.min(FIRST_REPLAY_PAGE, this.#options.replayPageSize));
    return records.length > 0 && records[0]!.offset === from + 1 ? records : undefined;
  }

  /** Sends the records after the entry's `sentOffset`, as one batch. */
  #send(epoch: string, entry: SubscriberEntry, records: SessionRecord[]): void {
    const batch = new RecordBatch(entry.channel.session, epoch, records).after(entry.sentOffset);
    if (batch.records.length === 0) return;
    entry.sentOffset = batch.lastOffset;
    entry.subscriber.deliver(batch);
  }

  /**
   * A resume while the channel is still opening: pages straight from the store up to its head
   * as read now, so the first missed event does not wait for the channel to load and replay the
   * log. Returns the epoch the pages belong to, or undefined (nothing sent) when the resume
   * needs a snapshot instead (another epoch, an offset beyond the head or no longer stored).
   */
  async #replayBeforeOpen(
    channel: SessionChannel,
    entry: SubscriberEntry,
    from: number,
    epoch: string | undefined,
    grant: SessionGrant,
  ): Promise<{ epoch: string } | undefined> {
    // The head and the first page are asked for together: one round trip to the store, not two.
    // The page is used only once the head says `from` belongs to its epoch and is not beyond it.
    const [head, firstRead] = await Promise.all([this.store.head(channel.session), this.#firstPage(channel.session, from)]);
    if ((epoch !== undefined && epoch !== head.epoch) || from > head.offset) return undefined;
    const first = from === head.offset ? [] : firstRead;
    if (first === undefined || !entry.active) return undefined;
    entry.sentOffset = from;
    entry.subscriber.subscribed({ type: 'subscribed', session: channel.session, epoch: head.epoch, head: head.offset, capabilities: grant.capabilities, expiresAt: grant.expiresAt });
    this.#send(head.epoch, entry, first);
    await entry.subscriber.drain?.();
    let page = Math.min(FIRST_REPLAY_PAGE * 4, this.#options.replayPageSize);
    while (entry.active && entry.sentOffset < head.offset && !channel.opened) {
      const records = await this.store.read(channel.session, entry.sentOffset, Math.min(page, head.offset - entry.sentOffset));
      page = Math.min(page * 4, this.#options.replayPageSize);
      if (!entry.active) break;
      if (records.length === 0 || records[0]!.offset > entry.sentOffset + 1) {
        throw new ProtocolError('conflict', `offset ${entry.sentOffset + 1} is no longer stored; subscribe without from`, 'from');
      }
      this.#send(head.epoch, entry, records);
      await entry.subscriber.drain?.();
    }
    return { epoch: head.epoch };
  }

  async #replay(channel: SessionChannel, entry: SubscriberEntry): Promise<void> {
    // Pages grow to the configured size, so a long catch-up still takes few reads; the store's
    // read resolves on a later turn, so other sessions' live traffic goes through between pages.
    let page = Math.min(FIRST_REPLAY_PAGE * 4, this.#options.replayPageSize);
    while (entry.active && entry.channel === channel && entry.sentOffset < channel.offset) {
      const limit = Math.min(page, channel.offset - entry.sentOffset);
      page = Math.min(page * 4, this.#options.replayPageSize);
      // From memory while the channel holds the records, then from the store. A page from memory
      // is taken after a turn, as a store read would resolve: other sessions go between pages.
      if (channel.recent.covers(entry.sentOffset)) {
        await nextTurn();
        if (!entry.active || entry.channel !== channel) return;
      }
      const records = channel.recent.after(entry.sentOffset, limit) ?? (await this.store.read(channel.session, entry.sentOffset, limit));
      if (!entry.active || entry.channel !== channel) return;
      const batch = new RecordBatch(channel.session, channel.epoch, records).after(entry.sentOffset);
      if (batch.records.length === 0) break;
      if (batch.firstOffset !== entry.sentOffset + 1) {
        throw new ProtocolError('conflict', `offset ${entry.sentOffset + 1} is no longer stored; subscribe without from`, 'from');
      }
      entry.sentOffset = batch.lastOffset;
      entry.subscriber.deliver(batch);
      await entry.subscriber.drain?.();
    }
  }

  /** Handles a `publish`, `cancel` or `steer` frame for the holder of `grant`. */
  handle(session: string, grant: SessionGrant, frame: WriteFrame): Promise<AckFrame> {
    return this.#commands.handle(session, grant, frame);
  }

  /**
   * Stores an event a client published (actor taken from the grant), once per `clientMsgId`.
   * A stored `brief.submitted` launches its run on this node.
   */
  publish(session: string, grant: SessionGrant, clientMsgId: string, raw: Record<string, unknown>): Promise<AckFrame> {
    return this.#commands.publish(session, grant, clientMsgId, raw);
  }

  /**
   * Stores a `draft.requested` for the holder of `grant` (it needs the `admin` capability: a draft
   * spends model tokens on the workspace's behalf) and runs it on this node, once per
   * `clientMsgId`. The draft streams into `session` like any run; cancel it with `cancel`.
   */
  submitDraft(
    session: string,
    grant: SessionGrant,
    input: DraftSubmission,
  ): Promise<AckFrame> {
    return this.#commands.submitDraft(session, grant, input);
  }

  /**
   * Asks for a run (or one of its tasks or agents) to stop; stored as `cancel.requested`.
   * Cancelling a run that has already ended is acknowledged without storing anything.
   */
  cancel(
    session: string,
    grant: SessionGrant,
    request: CancelRequest,
  ): Promise<AckFrame> {
    return this.#commands.cancel(session, grant, request);
  }

  /** Sends guidance to a running run (or one task or agent of it); stored as `steer.submitted`. */
  steer(
    session: string,
    grant: SessionGrant,
    request: SteerRequest,
  ): Promise<AckFrame> {
    return this.#commands.steer(session, grant, request);
  }

  /**
   * The reduced state of a session as this node holds it: a copy, the caller's to change. The
   * live state is shared by every later state (the reducer copies only what a record changes)
   * and by the serialised parts that joins reuse, so it never leaves the hub. Only cold paths
   * call this (a run's export); the hot ones (fan-out, joins, snapshots) read the state itself.
   */
  async snapshot(session: string): Promise<{ epoch: string; offset: number; state: SessionState }> {
    return this.#withChannel(session, async (channel) => ({ epoch: channel.epoch, offset: channel.offset, state: structuredClone(channel.state) }));
  }

  /** Ids of the runs this node is running in `session`. */
  ownedRuns(session: string): string[] {
    return [...(this.#channels.get(session)?.owned.keys() ?? [])];
  }

  /**
   * Stops the hub: runs owned by this node are aborted and recorded as `run.interrupted`,
   * snapshots are saved and store subscriptions closed. The store itself stays open.
   */
  async close(): Promise<void> {
    this.#closing = true;
    for (const session of [...this.#idle.keys()]) this.#stopIdleTimers(session);
    const channels = [...this.#channels.values()];
    await this.#runs.interruptAll(channels);
    this.#channels.clear();
    await Promise.allSettled(channels.map((channel) => channel.close()));
  }

  async #withChannel<T>(session: string, work: (channel: SessionChannel) => Promise<T>): Promise<T> {
    const channel = await this.#use(session);
    try {
      return await work(channel);
    } finally {
      channel.busy -= 1;
      this.#release(channel);
    }
  }

  /** Returns the session's channel, opened and caught up, marked busy (the caller decrements). */
  async #use(session: string): Promise<SessionChannel> {
    const channel = this.#acquire(session);
    try {
      await this.#ready(channel);
    } catch (error) {
      channel.busy -= 1;
      throw error;
    }
    return channel;
  }

  /** Returns the session's channel, perhaps still opening, marked busy (the caller decrements). */
  #acquire(session: string): SessionChannel {
    if (this.#closing) throw new ProtocolError('internal', 'the server is shutting down');
    const parsed = SessionIdSchema.safeParse(session);
    if (!parsed.success) throw new ProtocolError('bad_frame', `session: ${parsed.error.issues[0]?.message ?? 'invalid'}`, 'session');
    let channel = this.#channels.get(session);
    if (!channel) {
      channel = this.#createChannel(session);
    }
    this.#stopIdleTimers(session);
    channel.recent.keep();
    channel.busy += 1;
    return channel;
  }

  /** Waits for the channel to be open and its orphaned runs handled; a channel that failed to open is forgotten. */
  async #ready(channel: SessionChannel): Promise<void> {
    try {
      await channel.ready;
      if (this.#interruptOrphans || this.#runLeases) {
        channel.orphanCheck ??= this.#runs.interruptOrphanedRuns(channel);
        await channel.orphanCheck;
      }
    } catch (error) {
      if (this.#channels.get(channel.session) === channel) this.#channels.delete(channel.session);
      throw error;
    }
  }

  #createChannel(session: string): SessionChannel {
    const channel: SessionChannel = new SessionChannel({
      store: this.store,
      session,
      snapshotEvery: this.#options.snapshotEvery,
      ...(this.#options.retention ? { retention: this.#options.retention } : {}),
      presenceIntervalMs: this.#options.presenceIntervalMs,
      replayPageSize: this.#options.replayPageSize,
      recentRecords: this.#options.recentRecords,
      recentRecordBytes: this.#options.recentRecordBytes,
      onError: this.#onError,
      onReset: () => void this.#reset(channel).catch(this.#onError),
      clusterViewers: this.#clusterViewers,
    });
    this.#channels.set(session, channel);
    return channel;
  }

  /**
   * The log was deleted or lost (a new epoch): runs writing to it stop, and every subscriber
   * moves to a fresh channel and gets its snapshot, whose new epoch tells clients to start over.
   */
  async #reset(old: SessionChannel): Promise<void> {
    if (this.#closing || this.#channels.get(old.session) !== old) return;
    this.#channels.delete(old.session);
    const entries = [...old.subscribers].filter((entry) => entry.active);
    old.subscribers.clear();
    this.#runs.interruptRunsOf(old, 'the session log was reset');
    void old.close({ reset: true });
    if (entries.length === 0) return;
    const channel = await this.#use(old.session);
    try {
      for (const entry of entries) {
        if (!entry.active) continue;
        entry.channel = channel;
        channel.subscribers.add(entry);
        entry.sentOffset = channel.offset;
        entry.catchingUp = false;
        // The new epoch first: a client drops what it holds of the old log, then takes the snapshot.
        entry.subscriber.subscribed({ type: 'subscribed', session: channel.session, epoch: channel.epoch, head: channel.offset, ...entry.grant });
        entry.subscriber.snapshot(channel.snapshotJson(), channel.offset);
        // The new channel has told nobody about viewers yet: start each list over.
        channel.sendPresenceList(entry);
      }
      channel.presenceChanged();
    } finally {
      channel.busy -= 1;
      this.#release(channel);
    }
  }

  /** Sessions held in memory now: those in use and the unused ones kept warm. */
  get warmSessions(): number {
    return this.#channels.size;
  }

  /** Drops a channel nobody uses after the idle delay, or sooner when too many are idle. */
  #release(channel: SessionChannel): void {
    if (channel.inUse || this.#closing || this.#idle.has(channel.session)) return;
    const drop = setTimeout(() => this.#drop(channel.session), this.#options.idleSessionMs);
    const forget = setTimeout(() => channel.recent.forget(), Math.min(RECENT_KEPT_IDLE_MS, this.#options.idleSessionMs));
    drop.unref();
    forget.unref();
    this.#idle.set(channel.session, { drop, forget });
    // The first is the one unused longest.
    if (this.#idle.size > this.#options.maxIdleSessions) this.#drop(this.#idle.keys().next().value!);
  }

  /** Stops the timers of an unused session: it is used again, dropped, or the hub closes. */
  #stopIdleTimers(session: string): void {
    const timers = this.#idle.get(session);
    if (!timers) return;
    clearTimeout(timers.drop);
    clearTimeout(timers.forget);
    this.#idle.delete(session);
  }

  #drop(session: string): void {
    this.#stopIdleTimers(session);
    const channel = this.#channels.get(session);
    if (!channel || channel.inUse) return;
    this.#channels.delete(session);
    void channel.close();
  }
}
