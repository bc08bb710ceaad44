import {
  ADMIN_EVENT_TYPES,
  CONTROL_EVENT_TYPES,
  ProtocolError,
  SessionEventSchema,
  SessionIdSchema,
  isRunEnded,
  parseClientEvent,
  protocolErrorFromZod,
  type Actor,
  type Capability,
  type Deliverable,
  type ClientFrameOf,
  type DraftRequest,
  type RunScope,
  type ServerFrameOf,
  type SessionEvent,
  type SessionState,
} from '@marketing-team/core';
import { z } from 'zod';
import type { SessionGrant } from '../auth/token-issuer.js';
import type { RunLease, RunLeases } from '../cluster/run-leases.js';
import type { DraftRunContext, RunBaseContext, RunLauncher } from '../runtime/run-launcher.js';
import { FencedError, type SessionStore } from '../stores/session-store.js';
import { OwnedRun } from './_owned-run.js';
import { SessionChannel, type SubscriberEntry } from './_session-channel.js';
import { UnwatchedRun } from './_unwatched-run.js';
import { RecordBatch } from './record-batch.js';
import type { HubSubscription, SessionSubscriber, SubscribePosition } from './session-subscriber.js';
import { checkVariantChoice, checkVariantsBrief, rewrittenTaskId, variantsLaunch } from './_variant-checks.js';

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
  /** Records in one replay read; defaults to 1000. */
  replayPageSize?: number;
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
  replayPageSize: z.number().int().positive().max(10_000).default(1000),
  presenceIntervalMs: z.number().int().min(10).max(60_000).default(500),
});

/** Records in the first replay page of a resume. */
const FIRST_REPLAY_PAGE = 64;

const CONTINUABLE_RUN_STATUSES = new Set(['cancelled', 'failed', 'interrupted']);
const ENDED_TASK_STATUSES = new Set(['done', 'failed', 'cancelled']);

/**
 * The per-session heart of the server. For each active session it follows the store's live
 * tail, keeps the reduced state, saves snapshots, fans records out to subscribers, serves late
 * joiners a snapshot, handles client messages and owns the runs launched through this node.
 * Runs never depend on connections: closing every subscription leaves them running.
 */
export class SessionHub {
  readonly store: SessionStore;
  readonly #launcher: RunLauncher | undefined;
  readonly #drafts: RunLauncher<DraftRunContext> | undefined;
  readonly #interruptOrphans: boolean;
  readonly #runLeases: RunLeases | undefined;
  readonly #options: z.output<typeof OptionsSchema>;
  readonly #onError: (error: unknown) => void;
  readonly #channels = new Map<string, SessionChannel>();
  readonly #idleTimers = new Map<string, NodeJS.Timeout>();
  #closing = false;

  constructor(options: SessionHubOptions) {
    const parsed = OptionsSchema.safeParse({
      snapshotEvery: options.snapshotEvery,
      idleSessionMs: options.idleSessionMs,
      replayPageSize: options.replayPageSize,
      presenceIntervalMs: options.presenceIntervalMs,
    });
    if (!parsed.success) throw new ProtocolError('bad_frame', parsed.error.issues[0]?.message ?? 'invalid options', 'options');
    this.store = options.store;
    this.#launcher = options.launcher;
    this.#drafts = options.drafts;
    this.#interruptOrphans = options.interruptOrphanedRuns ?? false;
    this.#runLeases = options.runLeases;
    this.#options = parsed.data;
    this.#onError = options.onError ?? ((error) => console.error('[marketing-team] session hub:', error));
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
   */
  async subscribe(
    session: string,
    grant: SessionGrant,
    subscriber: SessionSubscriber,
    position: SubscribePosition = {},
  ): Promise<HubSubscription> {
    requireCapability(grant, 'read');
    const channel = await this.#use(session);
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
    channel.subscribers.add(entry);
    channel.viewersChanged();
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
      let snapshot = from === undefined || (epoch !== undefined && epoch !== channel.epoch) || from > channel.offset;
      if (!snapshot && from! < channel.offset) {
        const first = await this.store.firstOffset(session);
        snapshot = from! < first - 1;
      }
      subscriber.subscribed({
        type: 'subscribed',
        session,
        epoch: channel.epoch,
        head: channel.offset,
        capabilities: grant.capabilities,
        expiresAt: grant.expiresAt,
      });
      if (snapshot) {
        entry.sentOffset = channel.offset;
        subscriber.snapshot(channel.snapshotJson(), entry.sentOffset);
      } else {
        entry.sentOffset = from!;
        await this.#replay(channel, entry);
      }
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
    }
  }

  async #replay(channel: SessionChannel, entry: SubscriberEntry): Promise<void> {
    // A small first page puts the first missed event on screen at once; pages then grow to the
    // configured size, so a long catch-up still takes few reads.
    let page = Math.min(FIRST_REPLAY_PAGE, this.#options.replayPageSize);
    while (entry.active && entry.channel === channel && entry.sentOffset < channel.offset) {
      const limit = Math.min(page, channel.offset - entry.sentOffset);
      page = Math.min(page * 4, this.#options.replayPageSize);
      const records = await this.store.read(channel.session, entry.sentOffset, limit);
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
    switch (frame.type) {
      case 'publish':
        return this.publish(session, grant, frame.clientMsgId, frame.event);
      case 'cancel':
        return this.cancel(session, grant, frame);
      case 'steer':
        return this.steer(session, grant, frame);
    }
  }

  /**
   * Stores an event a client published (actor taken from the grant), once per `clientMsgId`.
   * A stored `brief.submitted` launches its run on this node.
   */
  async publish(session: string, grant: SessionGrant, clientMsgId: string, raw: Record<string, unknown>): Promise<AckFrame> {
    const control = (CONTROL_EVENT_TYPES as readonly unknown[]).includes(raw.type);
    const admin = (ADMIN_EVENT_TYPES as readonly unknown[]).includes(raw.type);
    requireCapability(grant, admin ? 'admin' : control ? 'control' : 'write');
    const event = parseClientEvent(raw, actorOf(grant));
    if (event.type === 'cancel.requested') {
      return this.cancel(session, grant, { clientMsgId, runId: event.runId, scope: event.scope, reason: event.reason });
    }
    if (event.type === 'steer.submitted') {
      return this.steer(session, grant, { clientMsgId, runId: event.runId, instruction: event.instruction, scope: event.scope, mode: event.mode });
    }
    return this.#withChannel(session, async (channel) => {
      // First, before any check of the state: a retry of a stored event (a review decision
      // whose task has moved on since, a brief whose run has started) gets its original answer.
      const retried = await this.#retried(session, clientMsgId);
      if (retried) return retried;
      if (event.type === 'brief.submitted') {
        const existing = Object.hasOwn(channel.state.runs, event.runId) ? channel.state.runs[event.runId] : undefined;
        if (existing) {
          const by = existing.submittedBy;
          // A retry of the same brief after a lost ack or a restart: acknowledge, do not run twice.
          if (by?.kind === 'human' && by.id === grant.userId) {
            return ack(session, clientMsgId, await this.#briefOffset(channel, event.runId), true);
          }
          throw new ProtocolError('conflict', `event.runId: run ${event.runId} already exists`, 'event.runId');
        }
        checkVariantsBrief(channel.state, event);
        if (event.continues !== undefined) continuable(channel.state, event.continues, rewrittenTaskId(event));
        else if (event.regenerate) throw new ProtocolError('bad_frame', 'event.regenerate: name the run it continues (event.continues)', 'event.regenerate');
      }
      if (event.type === 'review.approved' || event.type === 'review.changes_requested') {
        // A decision only means something for a task waiting at its gate; anything else would be
        // stored and shown without releasing or reopening a task.
        const run = Object.hasOwn(channel.state.runs, event.runId) ? channel.state.runs[event.runId] : undefined;
        if (!run) throw new ProtocolError('not_found', `event.runId: no run ${event.runId} in this session`, 'event.runId');
        const task = Object.hasOwn(run.tasks, event.taskId) ? run.tasks[event.taskId] : undefined;
        if (!task) throw new ProtocolError('not_found', `event.taskId: run ${run.id} has no task ${event.taskId}`, 'event.taskId');
        if (task.status !== 'review') {
          throw new ProtocolError('conflict', `event.taskId: task ${task.id} is not awaiting review (it is ${task.status})`, 'event.taskId');
        }
      }
      if (event.type === 'draft.settled') {
        // Settling means something only for a draft that has ended with a draft to review.
        const run = Object.hasOwn(channel.state.runs, event.runId) ? channel.state.runs[event.runId] : undefined;
        if (!run?.draft) throw new ProtocolError('not_found', `event.runId: no draft ${event.runId} in this session`, 'event.runId');
        if (!run.draft.result) throw new ProtocolError('conflict', `event.runId: draft ${event.runId} has nothing to settle yet (it is ${run.status})`, 'event.runId');
      }
      if (event.type === 'deliverable.edited') checkEdit(channel.state, event);
      if (event.type === 'variant.chosen') checkVariantChoice(channel.state, event);
      const { offset, duplicate } = await this.#append(session, event, clientMsgId);
      if (event.type === 'brief.submitted' && !duplicate) this.#launchBrief(channel, event, offset);
      return ack(session, clientMsgId, offset, duplicate);
    });
  }

  /**
   * Stores a `draft.requested` for the holder of `grant` (it needs the `admin` capability: a draft
   * spends model tokens on the workspace's behalf) and runs it on this node, once per
   * `clientMsgId`. The draft streams into `session` like any run; cancel it with `cancel`.
   */
  async submitDraft(
    session: string,
    grant: SessionGrant,
    input: { clientMsgId: string; runId: string; workspaceId: string; request: DraftRequest },
  ): Promise<AckFrame> {
    requireCapability(grant, 'admin');
    if (!this.#drafts) throw new ProtocolError('not_found', 'this server has no model for drafts', 'request');
    const event = parseDraftEvent({ type: 'draft.requested', runId: input.runId, workspaceId: input.workspaceId, request: input.request, by: actorOf(grant) });
    return this.#withChannel(session, async (channel) => {
      const retried = await this.#retried(session, input.clientMsgId);
      if (retried) return retried;
      if (Object.hasOwn(channel.state.runs, event.runId)) throw new ProtocolError('conflict', `runId: run ${event.runId} already exists`, 'runId');
      const { offset, duplicate } = await this.#append(session, event, input.clientMsgId);
      if (!duplicate) {
        const drafts = this.#drafts!;
        this.#launch(channel, event.runId, event.by, (base) => drafts.launch({ ...base, workspaceId: event.workspaceId, request: event.request }));
      }
      return ack(session, input.clientMsgId, offset, duplicate);
    });
  }

  /**
   * Asks for a run (or one of its tasks or agents) to stop; stored as `cancel.requested`.
   * Cancelling a run that has already ended is acknowledged without storing anything.
   */
  async cancel(
    session: string,
    grant: SessionGrant,
    request: { clientMsgId: string; runId: string; scope?: RunScope | undefined; reason?: string | undefined },
  ): Promise<AckFrame> {
    requireCapability(grant, 'control');
    return this.#withChannel(session, async (channel) => {
      const retried = await this.#retried(session, request.clientMsgId);
      if (retried) return retried;
      const run = findRun(channel.state, request.runId);
      if (isRunEnded(run)) {
        return ack(session, request.clientMsgId, channel.runEnds.get(run.id) ?? channel.offset, false);
      }
      const taskId = request.scope?.taskId;
      if (taskId) {
        const task = Object.hasOwn(run.tasks, taskId) ? run.tasks[taskId] : undefined;
        if (!task) throw new ProtocolError('not_found', `scope.taskId: run ${run.id} has no task ${taskId}`, 'scope.taskId');
        if (ENDED_TASK_STATUSES.has(task.status)) return ack(session, request.clientMsgId, channel.offset, false);
      }
      const event: SessionEvent = {
        type: 'cancel.requested',
        runId: request.runId,
        by: actorOf(grant),
        ...(request.scope && (request.scope.taskId || request.scope.agent) ? { scope: request.scope } : {}),
        ...(request.reason ? { reason: request.reason } : {}),
      };
      const { offset, duplicate } = await this.#append(session, event, request.clientMsgId);
      return ack(session, request.clientMsgId, offset, duplicate);
    });
  }

  /** Sends guidance to a running run (or one task or agent of it); stored as `steer.submitted`. */
  async steer(
    session: string,
    grant: SessionGrant,
    request: {
      clientMsgId: string;
      runId: string;
      instruction: string;
      scope?: RunScope | undefined;
      mode?: 'next-turn' | 'restart' | undefined;
    },
  ): Promise<AckFrame> {
    requireCapability(grant, 'control');
    return this.#withChannel(session, async (channel) => {
      const retried = await this.#retried(session, request.clientMsgId);
      if (retried) return retried;
      const run = findRun(channel.state, request.runId);
      if (isRunEnded(run)) {
        throw new ProtocolError('conflict', `runId: run ${run.id} has ended`, 'runId');
      }
      const event: SessionEvent = {
        type: 'steer.submitted',
        runId: request.runId,
        instruction: request.instruction,
        mode: request.mode ?? 'next-turn',
        by: actorOf(grant),
        ...(request.scope && (request.scope.taskId || request.scope.agent) ? { scope: request.scope } : {}),
      };
      const { offset, duplicate } = await this.#append(session, event, request.clientMsgId);
      return ack(session, request.clientMsgId, offset, duplicate);
    });
  }

  /** The reduced state of a session as this node holds it. */
  async snapshot(session: string): Promise<{ epoch: string; offset: number; state: SessionState }> {
    return this.#withChannel(session, async (channel) => ({ epoch: channel.epoch, offset: channel.offset, state: channel.state }));
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
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
    const channels = [...this.#channels.values()];
    // Shutting down is not "nobody watches": no pause or cancel decided from here on.
    for (const channel of channels) for (const policy of channel.unwatched.values()) policy.dispose();
    await Promise.allSettled(
      channels.flatMap((channel) => [...channel.owned.values()].map((run) => run.interrupt('the server is shutting down'))),
    );
    await Promise.allSettled(channels.flatMap((channel) => [...channel.owned.values()].map((run) => run.settled)));
    this.#channels.clear();
    await Promise.allSettled(channels.map((channel) => channel.close()));
  }

  /**
   * The answer to a client message that was stored before (its ack was lost): looked up before
   * any shortcut, so a retry learns the true outcome even once the run or task has ended since.
   */
  async #retried(session: string, clientMsgId: string): Promise<AckFrame | undefined> {
    const stored = await this.store.findClientMessage(session, clientMsgId);
    return stored && ack(session, clientMsgId, stored.firstOffset, true);
  }

  async #append(session: string, event: SessionEvent, clientMsgId: string): Promise<{ offset: number; duplicate: boolean }> {
    try {
      const result = await this.store.append(session, [event], { clientMsgId });
      const record = result.records[0];
      if (!record) throw new ProtocolError('internal', 'the store returned no record');
      return { offset: record.offset, duplicate: result.duplicate };
    } catch (error) {
      if (error instanceof FencedError) throw new ProtocolError('conflict', error.message, 'runId');
      throw error;
    }
  }

  #launchBrief(channel: SessionChannel, event: Extract<SessionEvent, { type: 'brief.submitted' }>, briefOffset: number): void {
    const launcher = this.#launcher;
    if (!launcher) return;
    this.#launch(channel, event.runId, event.by, (base) => {
      const finished = event.continues === undefined ? [] : completedDeliverables(channel.state, event.continues);
      const regenerated = event.regenerate && event.continues !== undefined ? channel.state.runs[event.continues]?.tasks[event.regenerate.taskId] : undefined;
      const previous = regenerated?.deliverableId === undefined ? undefined : channel.state.deliverables[regenerated.deliverableId];
      const reuse = previous ? finished.filter((deliverable) => deliverable.id !== previous.id) : finished;
      return launcher.launch({
        ...base,
        brief: event.brief,
        briefOffset,
        reuse,
        ...(previous && event.regenerate ? { regenerate: { skill: previous.skill, instruction: event.regenerate.instruction, previous } } : {}),
        ...variantsLaunch(channel.state, event),
      });
    });
  }

  /** Runs `launch` for `runId` on this node, once its lease (if any) is taken. */
  #launch(channel: SessionChannel, runId: string, submittedBy: Actor, launch: (context: RunBaseContext) => Promise<void>): void {
    if (this.#closing || channel.owned.has(runId)) return;
    const leases = this.#runLeases;
    if (!leases) return this.#start(channel, runId, submittedBy, launch);
    // Only the lease holder runs a run; the channel stays open while the lease is being taken.
    channel.busy += 1;
    leases
      .acquire(channel.session, runId)
      .then((lease) => {
        if (!lease) return;
        if (this.#closing || channel.owned.has(runId)) return void lease.release().catch(this.#onError);
        this.#start(channel, runId, submittedBy, launch, lease);
      }, this.#onError)
      .finally(() => {
        channel.busy -= 1;
        this.#release(channel);
      });
  }

  #start(channel: SessionChannel, runId: string, submittedBy: Actor, launch: (context: RunBaseContext) => Promise<void>, lease?: RunLease): void {
    const run = new OwnedRun({
      store: this.store,
      session: channel.session,
      runId,
      submittedBy,
      onError: this.#onError,
      onSettled: () => {
        if (channel.owned.get(runId) === run) channel.owned.delete(runId);
        if (channel.unwatched.get(runId) === unwatched) channel.unwatched.delete(runId);
        unwatched.dispose();
        // Given back only now, after the terminal event, so no node takes the run for orphaned.
        if (lease) void lease.release().catch(this.#onError);
        this.#release(channel);
      },
    });
    channel.owned.set(runId, run);
    // Decided from the viewers this node sees: see "Runs nobody watches" in docs/concepts.md.
    const unwatched = new UnwatchedRun(
      {
        runId,
        append: (events) => this.store.append(channel.session, events),
        cancel: (reason) => run.cancel({ kind: 'system' }, reason),
        onError: this.#onError,
      },
      channel.viewers,
      channel.state.runs[runId]?.brief?.whenUnwatched,
    );
    channel.unwatched.set(runId, unwatched);
    lease?.signal.addEventListener('abort', () => void run.interrupt('the node running it lost its lease'), { once: true });
    const launcher: RunLauncher<RunBaseContext> = { launch };
    run.start(lease ? lease.guard(launcher) : launcher);
    // The cancel may have been stored before this node registered the run.
    const early = channel.runCancels.get(runId);
    if (early && early.event.type === 'cancel.requested') void run.cancel(early.event.by, early.event.reason);
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
    if (this.#closing) throw new ProtocolError('internal', 'the server is shutting down');
    const parsed = SessionIdSchema.safeParse(session);
    if (!parsed.success) throw new ProtocolError('bad_frame', `session: ${parsed.error.issues[0]?.message ?? 'invalid'}`, 'session');
    let channel = this.#channels.get(session);
    if (!channel) {
      channel = this.#createChannel(session);
    }
    const timer = this.#idleTimers.get(session);
    if (timer) {
      clearTimeout(timer);
      this.#idleTimers.delete(session);
    }
    channel.busy += 1;
    try {
      await channel.ready;
      if (this.#interruptOrphans || this.#runLeases) {
        channel.orphanCheck ??= this.#interruptOrphanedRuns(channel);
        await channel.orphanCheck;
      }
    } catch (error) {
      channel.busy -= 1;
      if (this.#channels.get(session) === channel) this.#channels.delete(session);
      throw error;
    }
    return channel;
  }

  /** The offset of a run's brief; one this node has not seen (older than its snapshot) is looked up once. */
  async #briefOffset(channel: SessionChannel, runId: string): Promise<number> {
    const known = channel.briefOffsets.get(runId);
    if (known !== undefined) return known;
    // Rare: a brief retried after a restart. Scan the log once and remember the answer.
    let after = (await this.store.firstOffset(channel.session)) - 1;
    while (after < channel.offset) {
      const page = await this.store.read(channel.session, after, 5000);
      if (page.length === 0) break;
      for (const record of page) {
        if (record.event.type === 'brief.submitted' && record.event.runId === runId) {
          channel.briefOffsets.set(runId, record.offset);
          return record.offset;
        }
      }
      after = page[page.length - 1]!.offset;
    }
    return channel.offset;
  }

  async #interruptOrphanedRuns(channel: SessionChannel): Promise<void> {
    for (const runId of channel.state.runOrder) {
      const run = channel.state.runs[runId];
      if (!run || isRunEnded(run) || channel.owned.has(runId)) continue;
      if (this.#runLeases) {
        // Another node may be running it: only a run whose lease is gone is interrupted.
        await this.#runLeases.interruptIfOrphaned(channel.session, runId).catch(this.#onError);
        continue;
      }
      try {
        await this.store.append(channel.session, [{ type: 'run.interrupted', runId, reason: 'the server restarted while the run was going' }]);
      } catch (error) {
        if (!(error instanceof FencedError)) this.#onError(error);
      }
    }
  }

  #createChannel(session: string): SessionChannel {
    const channel: SessionChannel = new SessionChannel({
      store: this.store,
      session,
      snapshotEvery: this.#options.snapshotEvery,
      presenceIntervalMs: this.#options.presenceIntervalMs,
      onError: this.#onError,
      onReset: () => void this.#reset(channel).catch(this.#onError),
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
    for (const run of old.owned.values()) void run.interrupt('the session log was reset');
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

  /** Drops a channel nobody uses after the idle delay. */
  #release(channel: SessionChannel): void {
    if (channel.inUse || this.#closing || this.#idleTimers.has(channel.session)) return;
    const timer = setTimeout(() => {
      this.#idleTimers.delete(channel.session);
      if (channel.inUse || this.#channels.get(channel.session) !== channel) return;
      this.#channels.delete(channel.session);
      void channel.close();
    }, this.#options.idleSessionMs);
    timer.unref();
    this.#idleTimers.set(channel.session, timer);
  }
}

function requireCapability(grant: SessionGrant, capability: Capability): void {
  if (!grant.capabilities.includes(capability)) {
    throw new ProtocolError('forbidden', `token: lacks the ${capability} capability`, 'token');
  }
  if (grant.expiresAt * 1000 <= Date.now()) throw new ProtocolError('unauthorized', 'token: expired', 'token');
}

function parseDraftEvent(raw: Record<string, unknown>): Extract<SessionEvent, { type: 'draft.requested' }> {
  const parsed = SessionEventSchema.safeParse(raw);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, '');
  return parsed.data as Extract<SessionEvent, { type: 'draft.requested' }>;
}

function actorOf(grant: SessionGrant): Actor {
  return grant.userName !== undefined
    ? { kind: 'human', id: grant.userId, name: grant.userName }
    : { kind: 'human', id: grant.userId };
}

/**
 * An edit is stored only when it names a deliverable of that run and task, of the same kind, and
 * was made on its current version: an edit of an older one would overwrite someone else's.
 */
function checkEdit(state: SessionState, event: Extract<SessionEvent, { type: 'deliverable.edited' }>): void {
  const run = Object.hasOwn(state.runs, event.runId) ? state.runs[event.runId] : undefined;
  if (!run) throw new ProtocolError('not_found', `event.runId: no run ${event.runId} in this session`, 'event.runId');
  const deliverable = Object.hasOwn(state.deliverables, event.deliverableId) ? state.deliverables[event.deliverableId] : undefined;
  if (!deliverable || deliverable.runId !== event.runId || deliverable.taskId !== event.taskId) {
    throw new ProtocolError('not_found', `event.deliverableId: task ${event.taskId} of run ${event.runId} has no deliverable ${event.deliverableId}`, 'event.deliverableId');
  }
  if (deliverable.kind !== event.content.kind) {
    throw new ProtocolError('bad_frame', `event.content.kind: the deliverable is a ${deliverable.kind}, not a ${event.content.kind}`, 'event.content.kind');
  }
  const current = Object.hasOwn(state.deliverableVersions, event.deliverableId) ? state.deliverableVersions[event.deliverableId]!.version : 1;
  if (event.baseVersion !== current) {
    throw new ProtocolError('conflict', `event.baseVersion: the edit was made on version ${event.baseVersion}, but the deliverable is at version ${current}; reload it and edit again`, 'event.baseVersion');
  }
}

function findRun(state: SessionState, runId: string) {
  const run = Object.hasOwn(state.runs, runId) ? state.runs[runId] : undefined;
  if (!run) throw new ProtocolError('not_found', `runId: no run ${runId} in this session`, 'runId');
  return run;
}


/** The run a brief continues: it must exist and have ended without completing. */
function continuable(state: SessionState, runId: string, regenerate?: string): void {
  const run = Object.hasOwn(state.runs, runId) ? state.runs[runId] : undefined;
  if (!run) throw new ProtocolError('not_found', `event.continues: no run ${runId} in this session`, 'event.continues');
  if (regenerate !== undefined) {
    // Regenerating one deliverable: any run that has ended, as long as that task finished with one.
    if (!isRunEnded(run)) throw new ProtocolError('conflict', `event.continues: run ${runId} is still ${run.status}`, 'event.continues');
    const task = Object.hasOwn(run.tasks, regenerate) ? run.tasks[regenerate] : undefined;
    if (!task) throw new ProtocolError('not_found', `event.regenerate.taskId: run ${runId} has no task ${regenerate}`, 'event.regenerate.taskId');
    if (task.status !== 'done' || task.deliverableId === undefined) {
      throw new ProtocolError('conflict', `event.regenerate.taskId: task ${regenerate} has no finished deliverable to write again (it is ${task.status})`, 'event.regenerate.taskId');
    }
    return;
  }
  // A run that completed with tasks left undone (an agent stopped, its dependants blocked) is continued like one that stopped.
  const gaps = run.status === 'completed' && run.taskOrder.some((taskId) => run.tasks[taskId]?.status !== 'done');
  if (!CONTINUABLE_RUN_STATUSES.has(run.status) && !gaps) {
    throw new ProtocolError(
      'conflict',
      `event.continues: run ${runId} is ${run.status}; only an interrupted, failed or cancelled run, or one that completed with tasks undone, can be continued`,
      'event.continues',
    );
  }
}

/** The final deliverables of the tasks a run completed, in plan order. */
function completedDeliverables(state: SessionState, runId: string): Deliverable[] {
  const run = Object.hasOwn(state.runs, runId) ? state.runs[runId] : undefined;
  if (!run) return [];
  return run.taskOrder.flatMap((taskId) => {
    const task = run.tasks[taskId];
    const deliverable = task?.status === 'done' && task.deliverableId !== undefined ? state.deliverables[task.deliverableId] : undefined;
    return deliverable ? [deliverable] : [];
  });
}

function ack(session: string, clientMsgId: string, offset: number, duplicate: boolean): AckFrame {
  return { type: 'ack', session, clientMsgId, offset, duplicate };
}
