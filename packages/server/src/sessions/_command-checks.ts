import { ProtocolError, SessionEventSchema, isRunEnded, protocolErrorFromZod, type Actor, type Capability, type EventOf, type SessionState } from '@marketing-team/core';
import type { SessionGrant } from '../auth/token-issuer.js';

/** The checks a client command passes before anything is stored; each names the field it refuses. */

const CONTINUABLE_RUN_STATUSES = new Set(['cancelled', 'failed', 'interrupted']);

/** Refuses a grant without `capability`, or one that has expired. */
export function requireCapability(grant: SessionGrant, capability: Capability): void {
  if (!grant.capabilities.includes(capability)) {
    throw new ProtocolError('forbidden', `token: lacks the ${capability} capability`, 'token');
  }
  if (grant.expiresAt * 1000 <= Date.now()) throw new ProtocolError('unauthorized', 'token: expired', 'token');
}

/** The person a grant speaks for, as events record them. */
export function actorOf(grant: SessionGrant): Actor {
  return grant.userName !== undefined
    ? { kind: 'human', id: grant.userId, name: grant.userName }
    : { kind: 'human', id: grant.userId };
}

/** A `draft.requested` built by the server, validated like any event. */
export function parseDraftEvent(raw: Record<string, unknown>): EventOf<'draft.requested'> {
  const parsed = SessionEventSchema.safeParse(raw);
  if (!parsed.success) throw protocolErrorFromZod(parsed.error, '');
  return parsed.data as EventOf<'draft.requested'>;
}

/** The run a cancel or steer names; it must exist. */
export function findRun(state: SessionState, runId: string) {
  const run = Object.hasOwn(state.runs, runId) ? state.runs[runId] : undefined;
  if (!run) throw new ProtocolError('not_found', `runId: no run ${runId} in this session`, 'runId');
  return run;
}

/**
 * A review decision only means something for a task waiting at its gate; anything else would be
 * stored and shown without releasing or reopening a task.
 */
export function checkReviewDecision(state: SessionState, event: EventOf<'review.approved'> | EventOf<'review.changes_requested'>): void {
  const run = Object.hasOwn(state.runs, event.runId) ? state.runs[event.runId] : undefined;
  if (!run) throw new ProtocolError('not_found', `event.runId: no run ${event.runId} in this session`, 'event.runId');
  const task = Object.hasOwn(run.tasks, event.taskId) ? run.tasks[event.taskId] : undefined;
  if (!task) throw new ProtocolError('not_found', `event.taskId: run ${run.id} has no task ${event.taskId}`, 'event.taskId');
  if (task.status !== 'review') {
    throw new ProtocolError('conflict', `event.taskId: task ${task.id} is not awaiting review (it is ${task.status})`, 'event.taskId');
  }
}

/** Settling means something only for a draft that has ended with a draft to review. */
export function checkDraftSettled(state: SessionState, event: EventOf<'draft.settled'>): void {
  const run = Object.hasOwn(state.runs, event.runId) ? state.runs[event.runId] : undefined;
  if (!run?.draft) throw new ProtocolError('not_found', `event.runId: no draft ${event.runId} in this session`, 'event.runId');
  if (!run.draft.result) throw new ProtocolError('conflict', `event.runId: draft ${event.runId} has nothing to settle yet (it is ${run.status})`, 'event.runId');
}

/**
 * An edit is stored only when it names a deliverable of that run and task, of the same kind, and
 * was made on its current version: an edit of an older one would overwrite someone else's.
 */
export function checkEdit(state: SessionState, event: EventOf<'deliverable.edited'>): void {
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

/** The run a brief continues: it must exist and have ended without completing. */
export function checkContinuable(state: SessionState, runId: string, regenerate?: string): void {
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
