import {
  type Capability,
  applyRecords,
  isRunEnded,
  isRunTerminalEvent,
  createSessionState,
  restoreSessionStateInTurns,
  type SessionRecord,
  type SessionState,
} from '@marketing-team/core';
import type { ClusterViewers } from '../cluster/cluster-viewers.js';
import type { RetentionPolicy, SessionStore, Subscription } from '../stores/session-store.js';
import type { OwnedRun } from './_owned-run.js';
import { DigestSchedule } from './_digest-schedule.js';
import { RecordBatch } from './record-batch.js';
import { RecentRecords } from './_recent-records.js';
import { nextTurn, sliceClock } from '../stores/_next-turn.js';
import { GrowingTextJson } from '../stores/_growing-text-json.js';
import { cacheStatePartsInSlices, stateJsonInSlices, writeStateJson } from '../stores/_state-json.js';
import type { UnwatchedRun } from './_unwatched-run.js';
import type { DeviceAttention, SessionSubscriber } from './session-subscriber.js';

/** One subscriber's place in the session: what it has been sent and whether it is still replaying. */
export interface SubscriberEntry {
  subscriber: SessionSubscriber;
  /** The channel the entry belongs to; it changes when the log is reset. */
  channel: SessionChannel;
  sentOffset: number;
  catchingUp: boolean;
  active: boolean;
  since: number;
  /** The capabilities of the token the entry subscribed with, when its subscriber cannot say. */
  seesPresence: boolean;
  /** What its `subscribed` frame said of the token, said again when the log is reset. */
  grant: { capabilities: Capability[]; expiresAt: number };
}

/** One viewer as presence frames show it. */
interface Viewer extends Partial<DeviceAttention> {
  clientId: string;
  userId: string;
  since: number;
}

/** Whether two presence entries of one viewer say the same (a changed one is sent again as joined). */
function sameViewer(a: Viewer, b: Viewer): boolean {
  return a.since === b.since && a.device === b.device && a.focused === b.focused && a.visible === b.visible && a.activeAt === b.activeAt;
}

export interface ChannelOptions {
  store: SessionStore;
  session: string;
  snapshotEvery: number;
  /**
   * Applied after each snapshot is saved, so events it covers may go and client message ids
   * older than the window are forgotten. Without one, only the ids are trimmed (default window).
   */
  retention?: RetentionPolicy;
  /** Records the store delivers per step while the channel opens: one reducer step per turn of the event loop. */
  replayPageSize: number;
  /** Newest records kept in memory, so a resume from an offset among them reads nothing from the store. */
  recentRecords: number;
  recentRecordBytes: number;
  onError: (error: unknown) => void;
  /** The store reset the log (deleted or lost): offsets of this channel no longer mean anything. */
  onReset: () => void;
  /** Least time between two `presence.changed` frames; changes in between are coalesced. */
  presenceIntervalMs: number;
  /** Viewers on the other nodes, when several serve the session: they count for the runs' policies. */
  clusterViewers?: ClusterViewers | undefined;
}

/**
 * The in-memory side of one active session: the store's live tail, the reduced state, the
 * subscribers and the runs this node owns. Records are reduced and fanned out in a microtask
 * after they arrive, so the appends of one turn cost one reducer pass and one serialisation.
 */
export class SessionChannel {
  readonly session: string;
  readonly subscribers = new Set<SubscriberEntry>();
  readonly owned = new Map<string, OwnedRun>();
  /** The `whenUnwatched` policies of the owned runs, told of every change in the number of viewers. */
  readonly unwatched = new Map<string, UnwatchedRun>();
  /** Offsets of terminal events, so a late cancel can be acknowledged as a no-op. */
  readonly runEnds = new Map<string, number>();
  /** Offsets of the briefs seen, so a retried brief is acknowledged with its original offset. */
  readonly briefOffsets = new Map<string, number>();
  /** Whole-run cancels seen, for a run registered just after its cancel was stored. */
  readonly runCancels = new Map<string, SessionRecord>();
  epoch = '';
  /** The newest records received, for resumes served without a store read. */
  readonly recent: RecentRecords;
  ready: Promise<void>;
  /** Set once `ready` has resolved: the state is caught up and records arrive live. */
  opened = false;
  /** Whether runs left by a previous process have been looked for. */
  orphanCheck: Promise<void> | undefined;
  /** Set when the channel is being dropped; a new one is opened on the next use. */
  closed = false;
  /** Operations under way (publishes, subscribes being set up) that keep the channel open. */
  busy = 0;

  readonly #options: ChannelOptions;
  #state: SessionState = createSessionState();
  /**
   * Records received and not yet reduced into `#state`, oldest first. Reducing a whole store
   * batch (or a burst of single-event appends) at once copies the touched parts of the state
   * once, not once per record; any read of `state` reduces them first.
   */
  #unreduced: SessionRecord[] = [];
  /** Offset of the newest record received, reduced or not. */
  #received = 0;
  #subscription: Subscription | undefined;
  #pending: SessionRecord[] = [];
  #flushScheduled = false;
  #presenceDirty = false;
  /** Viewers as the last presence frames told them, keyed by user and device. */
  readonly #published = new Map<string, Viewer>();
  #presenceTimer: NodeJS.Timeout | undefined;
  #presenceSentAt = 0;
  #sinceSnapshot = 0;
  #snapshotSaving: Promise<void> | undefined;
  #snapshotAgain = false;
  #snapshotScheduled = false;
  /** Set once the store's replay is over: snapshots wait for it. */
  #live = false;
  #snapshotFrame: { state: SessionState; json: string } | undefined;
  /** Subscribers of the session on the other nodes, as the cluster last told. */
  #otherNodesViewers = 0;
  /** What this node last reported to the cluster. */
  #reportedViewers = 0;
  readonly #stopWatchingCluster: (() => void) | undefined;
  readonly #digests = new DigestSchedule();
  /** The escaped texts of the long messages saved last: a snapshot escapes only what they gained since. */
  readonly #texts = new GrowingTextJson();
  /** Subscribers whose attention changes this channel listens to. */
  readonly #attentionWatched = new WeakSet<SubscriberEntry>();

  constructor(options: ChannelOptions) {
    this.#options = options;
    this.session = options.session;
    this.recent = new RecentRecords(options.recentRecords, options.recentRecordBytes);
    this.ready = this.#open();
    this.ready.catch(() => undefined);
    this.#stopWatchingCluster = options.clusterViewers?.watch(options.session, (others) => {
      this.#otherNodesViewers = others;
      this.#tellPolicies();
    });
  }

  /** The reduced state, as of the newest record received. */
  get state(): SessionState {
    if (this.#unreduced.length > 0) {
      const records = this.#unreduced;
      this.#unreduced = [];
      this.#state = applyRecords(this.#state, records);
    }
    return this.#state;
  }

  set state(state: SessionState) {
    this.#unreduced = [];
    this.#state = state;
    this.#received = state.offset;
    // What the ring held led to another state: it no longer ends where this one does.
    this.recent.clear();
  }

  /** Offset of the newest record received (what `state` is as of). */
  get offset(): number {
    return this.#received;
  }

  /** True while something still needs the channel. */
  get inUse(): boolean {
    return this.subscribers.size > 0 || this.owned.size > 0 || this.busy > 0;
  }

  async #open(): Promise<void> {
    const { store, session } = this.#options;
    const [snapshot, head] = await Promise.all([store.loadSnapshot(session), store.head(session)]);
    if (this.closed) return;
    this.epoch = head.epoch;
    // Validated (and migrated from an older shape) here, once, so saving it later needs no second check;
    // one that is not valid is not used: the log is replayed from the start instead.
    // Checked in slices, a turn each, so a long session's snapshot holds up no other session.
    // Loading a long session's snapshot took this turn: checking it starts on the next.
    if (snapshot) await nextTurn();
    const restored = snapshot && snapshot.offset <= head.offset ? await restoreSessionStateInTurns(snapshot.state, sliceClock()) : undefined;
    if (this.closed) return;
    if (restored && restored.offset === snapshot!.offset) this.state = restored;
    // Ready once the replay is over and records arrive live: from then on, what an append stores
    // is applied before the append resolves, so checks made on `state` after it see it.
    let caughtUp!: () => void;
    const live = new Promise<void>((resolve) => (caughtUp = resolve));
    this.#subscription = store.subscribe(session, this.state.offset, (records) => this.#apply(records), {
      epoch: head.epoch,
      batchSize: this.#options.replayPageSize,
      onLive: () => {
        this.#live = true;
        // One snapshot for everything replayed while opening, not one per `snapshotEvery` of it.
        if (this.#sinceSnapshot >= this.#options.snapshotEvery) this.#scheduleSnapshot();
        caughtUp();
      },
      onReset: () => {
        caughtUp();
        this.#options.onReset();
      },
      onError: this.#options.onError,
    });
    await live;
    this.opened = !this.closed;
  }

  /** The hot path: records are kept for the reducer and the fan-out, both deferred to a microtask. */
  #apply(records: SessionRecord[]): void {
    if (this.closed || records.length === 0) return;
    const received = this.#received;
    const fresh = records[0]!.offset <= received ? records.filter((r) => r.offset > received) : records;
    if (fresh.length === 0) return;
    this.#received = fresh[fresh.length - 1]!.offset;
    for (const record of fresh) this.#unreduced.push(record);
    this.recent.push(fresh);
    // Reduced when `state` is next read (by a join, a snapshot, a command's checks, or the fan-out
    // when a digest is due: not for every delta); a channel does not hold more than this many
    // records unreduced. While the channel opens, each replayed page is reduced in the turn it
    // was read, so no turn reduces several pages.
    if (!this.#live || this.#unreduced.length >= MAX_UNREDUCED) void this.state;
    let runEnded = false;
    for (const record of fresh) {
      const event = record.event;
      if (isRunTerminalEvent(event.type) && 'runId' in event && event.runId !== undefined) {
        rememberRecent(this.runEnds, event.runId, record.offset);
        // An ended run is never registered again: its early cancel has nothing left to stop.
        this.runCancels.delete(event.runId);
        runEnded = true;
      } else if (event.type === 'brief.submitted') {
        rememberRecent(this.briefOffsets, event.runId, record.offset);
      } else if (event.type === 'cancel.requested' && !event.scope && !this.#hasEnded(event.runId)) {
        this.runCancels.set(event.runId, record);
      }
      if (this.owned.size > 0 && 'runId' in event && event.runId !== undefined) {
        this.owned.get(event.runId)?.observe(record);
        this.unwatched.get(event.runId)?.observe(record);
      }
    }
    this.#sinceSnapshot += fresh.length;
    if (this.#live && (runEnded || this.#sinceSnapshot >= this.#options.snapshotEvery)) this.#scheduleSnapshot();
    if (this.subscribers.size > 0) {
      for (const record of fresh) this.#pending.push(record);
      this.#schedule();
    }
  }

  #hasEnded(runId: string): boolean {
    const run = Object.hasOwn(this.state.runs, runId) ? this.state.runs[runId] : undefined;
    return run !== undefined && isRunEnded(run);
  }

  /** Subscribers of the session on this node (a page still catching up counts: it is opening). */
  get localViewers(): number {
    let count = 0;
    for (const entry of this.subscribers) if (entry.active) count += 1;
    return count;
  }

  /** Subscribers of the session on this node and, with cluster viewers, on every other node. */
  get viewers(): number {
    return this.localViewers + this.#otherNodesViewers;
  }

  /** Reports this node's viewers to the cluster and tells the owned runs' `whenUnwatched` policies how many watch now. */
  viewersChanged(): void {
    if (this.closed) return;
    const local = this.localViewers;
    if (this.#options.clusterViewers && local !== this.#reportedViewers) {
      this.#reportedViewers = local;
      this.#options.clusterViewers.report(this.session, local);
    }
    this.#tellPolicies();
  }

  #tellPolicies(): void {
    if (this.unwatched.size === 0 || this.closed) return;
    const count = this.viewers;
    for (const policy of this.unwatched.values()) policy.viewers(count);
  }

  /** Serialises ahead, a slice per turn, what the next `snapshotJson()` would serialise at once. */
  prepareSnapshotJson(): Promise<void> {
    return this.#snapshotFrame?.state === this.state ? Promise.resolve() : cacheStatePartsInSlices(this.state);
  }

  /** The `snapshot` frame of the current state, serialised once per offset however many join. */
  snapshotJson(): string {
    if (this.#snapshotFrame?.state !== this.state) {
      const { session, epoch, state } = this;
      const pieces = [`{"type":"snapshot","session":${JSON.stringify(session)},"epoch":${JSON.stringify(epoch)},"offset":${state.offset},"state":`];
      writeStateJson(state, pieces);
      pieces.push('}');
      this.#snapshotFrame = { state, json: pieces.join('') };
    }
    return this.#snapshotFrame.json;
  }

  /**
   * Marks presence as changed. The change goes out as a `presence.changed` frame at most once per
   * `presenceIntervalMs`: a viewer that subscribes and unsubscribes in a loop makes the others
   * receive a small diff a few times a second (often none: a join and a leave cancel out), never
   * the full list per toggle.
   */
  presenceChanged(): void {
    this.#presenceDirty = true;
    if (this.#presenceTimer || this.closed) return;
    const wait = Math.max(0, this.#presenceSentAt + this.#options.presenceIntervalMs - Date.now());
    this.#presenceTimer = setTimeout(() => {
      this.#presenceTimer = undefined;
      this.#flushPresence();
    }, wait);
    this.#presenceTimer.unref?.();
  }

  /**
   * Sends one entry the viewers as the others know them, if its token lets it see them. Later
   * changes reach it with everyone else's, so its list and theirs never drift apart.
   */
  sendPresenceList(entry: SubscriberEntry): void {
    if (!sees(entry)) return;
    const json = JSON.stringify({ type: 'presence', session: this.session, viewers: [...this.#published.values()] });
    this.#safely(() => entry.subscriber.presence(json));
  }

  #schedule(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // A microtask, not a later turn: the store emits after its commit and acknowledges after the
    // emit, so subscribers get the batch before the appender resumes and no tick is waited for.
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#pending.length > 0) {
      // The digests read `state` (which reduces every record received) only when one is due.
      const batch = new RecordBatch(this.session, this.epoch, this.#pending, this.#digests.digestsFor(this.#pending, () => this.state));
      this.#pending = [];
      for (const entry of this.subscribers) {
        if (entry.catchingUp || !entry.active || entry.sentOffset >= batch.lastOffset) continue;
        const part = batch.after(entry.sentOffset);
        entry.sentOffset = part.lastOffset;
        this.#safely(() => entry.subscriber.deliver(part));
      }
    }
  }

  #flushPresence(): void {
    if (!this.#presenceDirty || this.closed) return;
    this.#presenceDirty = false;
    this.#presenceSentAt = Date.now();
    const current = new Map<string, Viewer>();
    for (const entry of this.subscribers) {
      // A device that reports its attention (focus, visibility) changes presence when it does.
      if (!this.#attentionWatched.has(entry)) {
        this.#attentionWatched.add(entry);
        entry.subscriber.watchAttention?.(() => this.presenceChanged());
      }
      if (!entry.active || entry.catchingUp) continue;
      const { clientId, userId } = entry.subscriber;
      const key = `${userId}\n${clientId}`;
      const seen = current.get(key);
      if (!seen || entry.since < seen.since) current.set(key, { clientId, userId, since: entry.since, ...entry.subscriber.attention?.() });
    }
    const joined: Viewer[] = [];
    const left: Array<{ clientId: string; userId: string }> = [];
    for (const [key, viewer] of current) {
      const before = this.#published.get(key);
      if (!before || !sameViewer(before, viewer)) joined.push(viewer);
    }
    for (const [key, viewer] of this.#published) if (!current.has(key)) left.push({ clientId: viewer.clientId, userId: viewer.userId });
    this.#published.clear();
    for (const [key, viewer] of current) this.#published.set(key, viewer);
    if (joined.length === 0 && left.length === 0) return;
    const json = JSON.stringify({ type: 'presence.changed', session: this.session, joined, left });
    for (const entry of this.subscribers) {
      if (entry.active && !entry.catchingUp && sees(entry)) this.#safely(() => entry.subscriber.presence(json));
    }
  }

  #safely(send: () => void): void {
    try {
      send();
    } catch (error) {
      this.#options.onError(error);
    }
  }

  /**
   * Saves a snapshot on a later turn, never inside the store's delivery of a commit: the append
   * that crossed `snapshotEvery` (and every subscriber's batch) goes out before the state is
   * serialised and written.
   */
  #scheduleSnapshot(): void {
    if (this.#snapshotScheduled) return;
    this.#snapshotScheduled = true;
    setImmediate(() => {
      this.#snapshotScheduled = false;
      if (!this.closed) this.#saveSnapshot();
    });
  }

  #saveSnapshot(): void {
    if (this.#snapshotSaving) {
      this.#snapshotAgain = true;
      return;
    }
    this.#sinceSnapshot = 0;
    // The reducer never mutates a state it returned, so this reference stays consistent.
    const state = this.state;
    const { store, retention = {} } = this.#options;
    // Serialised a few parts per turn first, so the store's save only joins them: a long
    // session's snapshot no longer holds every other session's live stream for its whole stringify.
    this.#snapshotSaving = stateJsonInSlices(state, undefined, this.#texts)
      .then(() => store.saveSnapshot(this.session, { offset: state.offset, state }))
      // The snapshot now covers what retention may drop: this is when (and the only place) it runs.
      .then(() => store.applyRetention(this.session, retention))
      // What the store let go is not replayed from memory either: a resume from there gets a snapshot.
      .then(async (dropped) => {
        if (dropped > 0) this.recent.dropBefore(await store.firstOffset(this.session));
      })
      .catch((error: unknown) => this.#options.onError(error))
      .finally(() => {
        this.#snapshotSaving = undefined;
        if (this.#snapshotAgain) {
          this.#snapshotAgain = false;
          this.#saveSnapshot();
        }
      });
  }

  /** Saves a final snapshot and stops following the store. */
  /**
   * Stops following the log, saving a snapshot of what it applied since the last one; with
   * `reset`, the log it followed is gone (a new epoch), so its state is not saved over the new log.
   */
  async close(options: { reset?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    await this.ready.catch(() => undefined);
    if (this.#sinceSnapshot > 0 && !options.reset) this.#saveSnapshot();
    this.closed = true;
    this.#stopWatchingCluster?.();
    if (this.#reportedViewers > 0) this.#options.clusterViewers?.report(this.session, 0);
    clearTimeout(this.#presenceTimer);
    for (const policy of this.unwatched.values()) policy.dispose();
    this.#subscription?.close();
    this.recent.clear();
    await this.#snapshotSaving;
  }
}

/** Most records a channel holds received but not yet reduced. */
const MAX_UNREDUCED = 1000;

/**
 * Runs remembered per open session in `runEnds` and `briefOffsets`. Both only spare a lookup
 * (an older run's brief is found by a scan of the log, a late cancel of an older run is
 * acknowledged at the head), so a session open for months holds the newest ones, not all.
 */
const REMEMBERED_RUNS = 1000;

/** Sets `key` as the newest entry of `map`, dropping the oldest beyond `REMEMBERED_RUNS`. */
function rememberRecent<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > REMEMBERED_RUNS) map.delete(map.keys().next().value!);
}

/** Whether an entry may be told who else watches: its token grants `presence`. */
function sees(entry: SubscriberEntry): boolean {
  return entry.subscriber.seesPresence?.() ?? entry.seesPresence;
}
