import {
  ADMIN_EVENT_TYPES,
  CONTROL_EVENT_TYPES,
  ProtocolError,
  isRunEnded,
  parseClientEvent,
  type DraftRequest,
  type RunScope,
  type SessionEvent,
} from '@marketing-team/core';
import type { SessionGrant } from '../auth/token-issuer.js';
import { FencedError, type SessionStore } from '../stores/session-store.js';
import {
  actorOf,
  checkContinuable,
  checkDraftSettled,
  checkEdit,
  checkReviewDecision,
  findRun,
  parseDraftEvent,
  requireCapability,
} from './_command-checks.js';
import type { RunOwnership } from './_run-ownership.js';
import type { SessionChannel } from './_session-channel.js';
import type { AckFrame, WriteFrame } from './session-hub.js';
import { checkVariantChoice, checkVariantsBrief, rewrittenTaskId } from './_variant-checks.js';
import { checkTakeoverStep } from './_takeover-checks.js';

/** What {@link ClientCommands} needs from the hub. */
export interface ClientCommandsInit {
  store: SessionStore;
  runs: RunOwnership;
  /** Runs `work` with the session's channel open and caught up. */
  withChannel<T>(session: string, work: (channel: SessionChannel) => Promise<T>): Promise<T>;
}

/** A request to stop a run, or one task or agent of it. */
export interface CancelRequest {
  clientMsgId: string;
  runId: string;
  scope?: RunScope | undefined;
  reason?: string | undefined;
}

/** Guidance for a running run, or one task or agent of it. */
export interface SteerRequest {
  clientMsgId: string;
  runId: string;
  instruction: string;
  scope?: RunScope | undefined;
  mode?: 'next-turn' | 'restart' | undefined;
}

/** A studio draft to run for a workspace. */
export interface DraftSubmission {
  clientMsgId: string;
  runId: string;
  workspaceId: string;
  request: DraftRequest;
}

const ENDED_TASK_STATUSES = new Set(['done', 'failed', 'cancelled']);

/**
 * The client messages that write to a session's log — briefs, cancels, steers, review
 * decisions, edits, drafts, taking a task over from its agent: each is authorised by its grant, checked against the reduced state,
 * stored once per `clientMsgId` and acknowledged with its offset. A stored brief or draft is
 * handed to the runs this node owns.
 */
export class ClientCommands {
  readonly #init: ClientCommandsInit;

  constructor(init: ClientCommandsInit) {
    this.#init = init;
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

  /** See `SessionHub.publish`. */
  async publish(session: string, grant: SessionGrant, clientMsgId: string, raw: Record<string, unknown>): Promise<AckFrame> {
    const control = (CONTROL_EVENT_TYPES as readonly unknown[]).includes(raw.type);
    const admin = (ADMIN_EVENT_TYPES as readonly unknown[]).includes(raw.type);
    requireCapability(grant, admin ? 'admin' : control ? 'control' : 'write');
    let event = parseClientEvent(raw, actorOf(grant));
    if (event.type === 'cancel.requested') {
      return this.cancel(session, grant, { clientMsgId, runId: event.runId, scope: event.scope, reason: event.reason });
    }
    if (event.type === 'steer.submitted') {
      return this.steer(session, grant, { clientMsgId, runId: event.runId, instruction: event.instruction, scope: event.scope, mode: event.mode });
    }
    return this.#init.withChannel(session, async (channel) => {
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
        if (event.continues !== undefined) checkContinuable(channel.state, event.continues, rewrittenTaskId(event));
        else if (event.regenerate) throw new ProtocolError('bad_frame', 'event.regenerate: name the run it continues (event.continues)', 'event.regenerate');
      }
      if (event.type === 'review.approved' || event.type === 'review.changes_requested') checkReviewDecision(channel.state, event);
      if (event.type === 'draft.settled') checkDraftSettled(channel.state, event);
      if (event.type === 'deliverable.edited') checkEdit(channel.state, event);
      if (event.type === 'variant.chosen') checkVariantChoice(channel.state, event);
      if (event.type === 'task.taken_over' || event.type === 'task.handed_back' || event.type === 'task.marked_done') {
        event = checkTakeoverStep(channel.state, event, grant);
      }
      const { offset, duplicate } = await this.#append(session, event, clientMsgId);
      if (event.type === 'brief.submitted' && !duplicate) this.#init.runs.launchBrief(channel, event, offset);
      return ack(session, clientMsgId, offset, duplicate);
    });
  }

  /** See `SessionHub.submitDraft`. */
  async submitDraft(
    session: string,
    grant: SessionGrant,
    input: DraftSubmission,
  ): Promise<AckFrame> {
    requireCapability(grant, 'admin');
    if (!this.#init.runs.runsDrafts) throw new ProtocolError('not_found', 'this server has no model for drafts', 'request');
    const event = parseDraftEvent({ type: 'draft.requested', runId: input.runId, workspaceId: input.workspaceId, request: input.request, by: actorOf(grant) });
    return this.#init.withChannel(session, async (channel) => {
      const retried = await this.#retried(session, input.clientMsgId);
      if (retried) return retried;
      if (Object.hasOwn(channel.state.runs, event.runId)) throw new ProtocolError('conflict', `runId: run ${event.runId} already exists`, 'runId');
      const { offset, duplicate } = await this.#append(session, event, input.clientMsgId);
      if (!duplicate) this.#init.runs.launchDraft(channel, event);
      return ack(session, input.clientMsgId, offset, duplicate);
    });
  }

  /** See `SessionHub.cancel`. */
  async cancel(
    session: string,
    grant: SessionGrant,
    request: CancelRequest,
  ): Promise<AckFrame> {
    requireCapability(grant, 'control');
    return this.#init.withChannel(session, async (channel) => {
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

  /** See `SessionHub.steer`. */
  async steer(
    session: string,
    grant: SessionGrant,
    request: SteerRequest,
  ): Promise<AckFrame> {
    requireCapability(grant, 'control');
    return this.#init.withChannel(session, async (channel) => {
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

  /**
   * The answer to a client message that was stored before (its ack was lost): looked up before
   * any shortcut, so a retry learns the true outcome even once the run or task has ended since.
   */
  async #retried(session: string, clientMsgId: string): Promise<AckFrame | undefined> {
    const stored = await this.#init.store.findClientMessage(session, clientMsgId);
    return stored && ack(session, clientMsgId, stored.firstOffset, true);
  }

  async #append(session: string, event: SessionEvent, clientMsgId: string): Promise<{ offset: number; duplicate: boolean }> {
    try {
      const result = await this.#init.store.append(session, [event], { clientMsgId });
      const record = result.records[0];
      if (!record) throw new ProtocolError('internal', 'the store returned no record');
      return { offset: record.offset, duplicate: result.duplicate };
    } catch (error) {
      if (error instanceof FencedError) throw new ProtocolError('conflict', error.message, 'runId');
      throw error;
    }
  }

  /** The offset of a run's brief; one this node has not seen (older than its snapshot) is looked up once. */
  async #briefOffset(channel: SessionChannel, runId: string): Promise<number> {
    const known = channel.briefOffsets.get(runId);
    if (known !== undefined) return known;
    // Rare: a brief retried after a restart. Scan the log once and remember the answer.
    const { store } = this.#init;
    let after = (await store.firstOffset(channel.session)) - 1;
    while (after < channel.offset) {
      const page = await store.read(channel.session, after, 5000);
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
}

function ack(session: string, clientMsgId: string, offset: number, duplicate: boolean): AckFrame {
  return { type: 'ack', session, clientMsgId, offset, duplicate };
}
