import type { Actor, Assignee, EventOf, MessageState, RunState, SessionEvent, SessionRecord, SessionState, TaskStatus, TextDigest } from '../protocol/index.js';
import { applyDeliverableContent } from '../protocol/apply-deliverable-content.js';
import { emptyMessageBuckets, listMessages } from '../protocol/messages.js';
import { digestText, extendTextDigest } from '../protocol/text-digest.js';
import { STATE_VERSION } from '../protocol/version.js';
import { addUsage, cardState, routingDecisionState, runState, steerState, taskState, zeroUsage } from './_entities.js';
import { clearStall, runGoesOn, runPaused, taskStalled } from './_liveness.js';
import { Draft, getOwn, setOwn } from './_records.js';
import { StateWriter, taskCardId } from './_state-writer.js';

/** Task statuses a task never leaves on its own; a cancelled run leaves them as they are. */
const FINISHED_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set(['done', 'failed', 'cancelled']);

const MESSAGE_STATUS_BY_STOP_REASON = {
  end: 'completed',
  cancelled: 'cancelled',
  error: 'error',
  restarted: 'restarted',
} as const satisfies Record<EventOf<'message.completed'>['stopReason'], MessageState['status']>;

/** The state of a session before any event: offset 0, nothing in it. */
export function createSessionState(): SessionState {
  return {
    version: STATE_VERSION,
    offset: 0,
    runs: {},
    runOrder: [],
    messageBuckets: emptyMessageBuckets(),
    agents: {},
    agentOrder: [],
    deliverables: {},
    deliverableOrder: [],
    board: {},
    boardOrder: [],
    steers: [],
    routing: [],
    usage: zeroUsage(),
    deliverableVersions: {},
  };
}

/**
 * Applies one stored record. Pure: the input state is never mutated; the result shares every
 * object the record did not change. A record at or below `state.offset` is a duplicate and
 * returns `state` itself.
 */
export function applyRecord(state: SessionState, record: SessionRecord): SessionState {
  return applyRecords(state, [record]);
}

/**
 * Applies stored records in order, skipping any at or below the offset already applied.
 * Equivalent to applying them one by one, but copies each changed map once per batch.
 * Returns `state` itself when nothing new was applied.
 */
export function applyRecords(state: SessionState, records: readonly SessionRecord[]): SessionState {
  let writer: StateWriter | undefined;
  let offset = state.offset;
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    if (record.offset <= offset) continue;
    if (!writer) {
      const draft = new Draft();
      writer = new StateWriter(draft, draft.own(state));
    }
    const event = record.event;
    const last = event.type === 'text.delta' ? lastOfDeltaRun(records, index, event) : index;
    if (last > index) {
      // A run of deltas of one message applies as one delta of their joined text: the same
      // text and digest, one copy of the message instead of one per delta.
      let text = (event as EventOf<'text.delta'>).text;
      for (let next = index + 1; next <= last; next++) text += (records[next]!.event as EventOf<'text.delta'>).text;
      reduce(writer, { ...record, event: { ...event, text } as SessionEvent });
      index = last;
    } else {
      reduce(writer, record);
    }
    writer.root.offset = offset = records[index]!.offset;
  }
  return writer ? writer.root : state;
}

/**
 * Index of the last record of the run of `text.delta` records starting at `start` that go to the
 * same message of the same task (a delta's effect depends on nothing else), offsets increasing.
 */
function lastOfDeltaRun(records: readonly SessionRecord[], start: number, first: EventOf<'text.delta'>): number {
  let last = start;
  while (last + 1 < records.length) {
    const next = records[last + 1]!;
    const event = next.event;
    if (
      next.offset <= records[last]!.offset ||
      event.type !== 'text.delta' ||
      event.messageId !== first.messageId ||
      event.runId !== first.runId ||
      event.taskId !== first.taskId
    ) {
      break;
    }
    last += 1;
  }
  return last;
}

function reduce(w: StateWriter, record: SessionRecord): void {
  const event: SessionEvent = record.event;
  switch (event.type) {
    case 'brief.submitted': {
      const run = w.run(event.runId);
      const variantsOf = variantsTarget(w, event);
      const links = { ...(event.continues ? { continues: event.continues } : {}), ...(variantsOf ? { variantsOf } : {}) };
      w.putRun(
        runState(
          run
            ? { ...run, brief: event.brief, submittedBy: event.by, ...links }
            : {
                id: event.runId,
                status: 'planned',
                brief: event.brief,
                submittedBy: event.by,
                ...links,
                tasks: {},
                taskOrder: [],
                deliverableIds: [],
                usage: zeroUsage(),
              },
        ),
      );
      return;
    }
    case 'run.started':
      return runStarted(w, event, record.at);
    case 'routing.decided':
      w.appendTo(
        'routing',
        routingDecisionState({
          runId: event.runId,
          taskId: event.taskId,
          agent: event.agent,
          skill: event.skill,
          via: event.via,
          reason: event.reason,
        }),
      );
      return;
    case 'task.started':
      w.setTaskStatus(event.runId, event.taskId, 'in_progress');
      w.updateAgent(event.agent, { status: 'working', runId: event.runId, taskId: event.taskId });
      return;
    case 'task.completed': {
      // A task waiting for approval stays in review; `review.approved` moves it to done.
      const inReview = w.task(event.runId, event.taskId)?.status === 'review';
      const status: TaskStatus = inReview ? 'review' : 'done';
      w.setTaskStatus(event.runId, event.taskId, status, event.deliverableId ? { deliverableId: event.deliverableId } : {});
      clearStall(w, event.runId, event.taskId);
      releaseLane(w, event.agent, event.runId, event.taskId);
      return;
    }
    case 'task.failed':
      w.setTaskStatus(event.runId, event.taskId, 'failed', { error: event.error });
      clearStall(w, event.runId, event.taskId);
      releaseLane(w, event.agent, event.runId, event.taskId);
      return;
    case 'task.blocked':
      w.setTaskStatus(event.runId, event.taskId, 'blocked', { blockedReason: event.reason, takenOver: undefined });
      clearStall(w, event.runId, event.taskId);
      releaseTaskLane(w, event.runId, event.taskId);
      return;
    case 'task.cancelled':
      w.setTaskStatus(event.runId, event.taskId, 'cancelled', { takenOver: undefined });
      clearStall(w, event.runId, event.taskId);
      releaseTaskLane(w, event.runId, event.taskId);
      return;
    case 'message.started':
      clearStall(w, event.runId, event.taskId);
      startMessage(w, event, record.offset);
      w.updateAgent(event.agent, {
        status: 'working',
        runId: event.runId,
        taskId: event.taskId,
        messageId: event.messageId,
      });
      return;
    case 'text.delta': {
      // The hottest path: copies the message, its bucket, the bucket list and the root, nothing else.
      const message = w.message(event.messageId) ?? startMessage(w, event, record.offset);
      if (message.status !== 'streaming') return;
      // The next text after a stall clears it, even before (or without) `task.resumed`.
      clearStall(w, event.runId, event.taskId);
      w.putMessage({ ...message, text: message.text + event.text, digest: extendTextDigest(runningDigest(message), event.text) });
      return;
    }
    case 'message.completed': {
      const message = w.message(event.messageId) ?? startMessage(w, event, record.offset);
      w.putMessage({ ...message, text: event.text, digest: digestText(event.text), status: MESSAGE_STATUS_BY_STOP_REASON[event.stopReason] });
      clearStall(w, event.runId, event.taskId);
      return;
    }
    case 'deliverable.created': {
      const { deliverable } = event;
      w.putDeliverable(deliverable);
      addDeliverableVersion(w, deliverable.id, event.by ?? { kind: 'agent', agent: deliverable.agent }, record);
      w.updateTask(event.runId, event.taskId, { deliverableId: deliverable.id });
      const run = w.run(event.runId);
      if (run && !run.deliverableIds.includes(deliverable.id)) {
        w.putRun(runState({ ...run, deliverableIds: [...run.deliverableIds, deliverable.id] }));
      }
      return;
    }
    case 'run.completed': {
      const run = w.run(event.runId);
      if (!run) return;
      const missing = event.deliverableIds.filter((id) => !run.deliverableIds.includes(id));
      const deliverableIds = missing.length > 0 ? [...run.deliverableIds, ...missing] : run.deliverableIds;
      endRun(w, event.runId, { status: 'completed', endedAt: record.at, deliverableIds });
      return;
    }
    case 'run.failed':
      endRun(w, event.runId, { status: 'failed', endedAt: record.at, error: event.error });
      stopStreaming(w, event.runId, 'error');
      return;
    case 'run.interrupted':
      // The reason is kept as the run's error, so every client can say why and offer to continue.
      endRun(w, event.runId, { status: 'interrupted', endedAt: record.at, error: { code: 'interrupted', message: event.reason, retryable: true } });
      stopStreaming(w, event.runId, 'error');
      return;
    case 'run.cancelled':
      return runCancelled(w, event, record.at);
    case 'cancel.requested':
      // The request itself changes nothing; `run.cancelled` (or `task.cancelled`) records the effect.
      return;
    case 'usage': {
      const used = {
        inputTokens: event.inputTokens,
        outputTokens: event.outputTokens,
        cacheReadTokens: event.cacheReadTokens,
        cacheWriteTokens: event.cacheWriteTokens,
        costUsd: event.costUsd,
      };
      const run = w.run(event.runId);
      if (run) w.putRun(runState({ ...run, usage: addUsage(run.usage, used) }));
      const task = event.taskId === undefined ? undefined : w.task(event.runId, event.taskId);
      if (task) w.updateTask(event.runId, task.id, { usage: addUsage(task.usage ?? zeroUsage(), used) });
      w.updateAgent(event.agent, { usage: addUsage(w.agent(event.agent).usage, used) });
      w.root.usage = addUsage(w.root.usage, used);
      return;
    }
    case 'steer.submitted':
      w.appendTo(
        'steers',
        steerState({
          offset: record.offset,
          runId: event.runId,
          instruction: event.instruction,
          scope: event.scope,
          mode: event.mode,
          by: event.by,
          appliedTo: [],
        }),
      );
      return;
    case 'steer.applied': {
      const index = w.root.steers.findIndex((steer) => steer.offset === event.steerOffset);
      const steer = w.root.steers[index];
      if (!steer) return;
      const steers = w.draft.own(w.root.steers);
      steers[index] = steerState({
        ...steer,
        appliedTo: [...steer.appliedTo, { agent: event.agent, taskId: event.taskId, offset: record.offset }],
      });
      w.root.steers = steers;
      return;
    }
    case 'card.created':
      if (w.card(event.cardId)) return;
      w.putCard(
        cardState({
          id: event.cardId,
          title: event.title,
          status: event.status,
          assignee: event.assignee,
          runId: event.runId,
          review: false,
          comments: [],
        }),
      );
      return;
    case 'card.updated': {
      const card = w.card(event.cardId);
      if (!card) return;
      w.putCard(
        cardState({
          ...card,
          title: event.title ?? card.title,
          // null unassigns; absent leaves the assignee alone.
          assignee: event.assignee === null ? undefined : (event.assignee ?? card.assignee),
          status: event.status ?? card.status,
        }),
      );
      return;
    }
    case 'card.commented':
      addComment(w, event.cardId, { by: event.by, text: event.text, at: record.at });
      return;
    case 'task.taken_over':
      return taskTakenOver(w, event, record);
    case 'task.handed_back':
    case 'task.marked_done':
      return taskReturned(w, event, record);
    case 'review.requested':
      w.setTaskStatus(event.runId, event.taskId, 'review');
      if (w.task(event.runId, event.taskId)?.reviewAnswer) w.updateTask(event.runId, event.taskId, { reviewAnswer: undefined });
      return;
    case 'review.approved':
      answerReview(w, event, 'approved', record.offset);
      moveReview(w, event.runId, event.taskId, (status) => status === 'review', 'done');
      if (event.comment) addComment(w, taskCardId(event.runId, event.taskId), { by: event.by, text: event.comment, at: record.at });
      return;
    case 'review.changes_requested':
      answerReview(w, event, 'changes_requested', record.offset);
      moveReview(w, event.runId, event.taskId, (status) => status === 'review' || status === 'done', 'in_progress');
      addComment(w, taskCardId(event.runId, event.taskId), { by: event.by, text: event.comment, at: record.at });
      return;
    case 'draft.requested': {
      const { request } = event;
      const draft =
        request.kind === 'reference-analysis'
          ? { kind: request.kind, templateName: request.template.name, ...(request.skill !== undefined ? { skill: request.skill } : {}) }
          : { kind: request.kind, documents: request.documents.map((document) => document.name) };
      const run = w.run(event.runId);
      w.putRun(
        runState(
          run
            ? { ...run, submittedBy: event.by, draft: { ...draft, ...(run.draft?.result ? { result: run.draft.result } : {}) } }
            : { id: event.runId, status: 'planned', submittedBy: event.by, draft, tasks: {}, taskOrder: [], deliverableIds: [], usage: zeroUsage() },
        ),
      );
      return;
    }
    case 'draft.created': {
      const run = w.run(event.runId);
      if (!run?.draft) return;
      const templateHash = event.draft.kind === 'reference-analysis' ? { templateHash: event.draft.templateHash } : {};
      w.putRun(runState({ ...run, draft: { ...run.draft, ...templateHash, result: event.draft } }));
      return;
    }
    case 'draft.settled': {
      const run = w.run(event.runId);
      if (!run?.draft) return;
      w.putRun(runState({ ...run, draft: { ...run.draft, settled: { outcome: event.outcome, by: event.by } } }));
      return;
    }
    case 'workspace.saved':
      w.root.workspace = { id: event.workspaceId, version: event.version, etag: event.etag, hash: event.hash, by: event.by, savedAt: record.at };
      return;
    // human edits of deliverables
    case 'deliverable.edited':
      return deliverableEdited(w, event, record);
    case 'variant.chosen':
      return variantChosen(w, event, record);
    case 'task.stalled':
      return taskStalled(w, event, record.at);
    case 'task.resumed':
      return clearStall(w, event.runId, event.taskId);
    case 'run.paused':
      return runPaused(w, event, record.at);
    case 'run.resumed':
      return runGoesOn(w, event.runId, false);
    default: {
      // Exhaustive over today's events; an event type from a newer server is skipped, not fatal.
      const unknown: never = event;
      void unknown;
      return;
    }
  }
}

/**
 * Applies a person's edit when it was made on the current version of a deliverable of that task
 * and kind. The server refuses any other; skipping them here too keeps every device's state the
 * same even for a log that holds one (two nodes accepting edits of one version at once).
 */
function deliverableEdited(w: StateWriter, event: EventOf<'deliverable.edited'>, record: SessionRecord): void {
  const current = getOwn(w.root.deliverables, event.deliverableId);
  if (!current || current.runId !== event.runId || current.taskId !== event.taskId) return;
  if ((getOwn(w.root.deliverableVersions, event.deliverableId)?.version ?? 1) !== event.baseVersion) return;
  const edited = applyDeliverableContent(current, event.content);
  if (!edited) return;
  w.putDeliverable(edited);
  addDeliverableVersion(w, event.deliverableId, event.by, record);
}

/** The deliverable a variants brief writes variants of: the one its continued run's task finished with. */
function variantsTarget(w: StateWriter, event: EventOf<'brief.submitted'>): { deliverableId: string; count: number } | undefined {
  if (!event.variants || event.continues === undefined) return undefined;
  const deliverableId = w.run(event.continues)?.tasks[event.variants.taskId]?.deliverableId;
  return deliverableId === undefined ? undefined : { deliverableId, count: event.variants.count };
}

/**
 * Makes the chosen variant's content the deliverable's current version, when the choice was made
 * on the current version and names a variant a variants run wrote of that deliverable (what the
 * server checks before it stores one).
 */
function variantChosen(w: StateWriter, event: EventOf<'variant.chosen'>, record: SessionRecord): void {
  const current = getOwn(w.root.deliverables, event.deliverableId);
  const variant = getOwn(w.root.deliverables, event.variantId);
  if (!current || !variant || current.runId !== event.runId || current.taskId !== event.taskId) return;
  if (w.run(variant.runId)?.variantsOf?.deliverableId !== event.deliverableId) return;
  if ((getOwn(w.root.deliverableVersions, event.deliverableId)?.version ?? 1) !== event.baseVersion) return;
  const chosen = applyDeliverableContent(current, variant);
  if (!chosen) return;
  w.putDeliverable(chosen);
  addDeliverableVersion(w, event.deliverableId, event.by, record, event.variantId);
}

/** Counts one more version of a deliverable, with who made it and when (and which variant it is, when chosen). */
function addDeliverableVersion(w: StateWriter, deliverableId: string, by: Actor, record: SessionRecord, variantId?: string): void {
  const versions = w.draft.own(w.root.deliverableVersions);
  const previous = getOwn(versions, deliverableId);
  const version = (previous?.version ?? 0) + 1;
  const entry = { version, by, at: record.at, offset: record.offset, ...(variantId !== undefined ? { variantId } : {}) };
  setOwn(versions, deliverableId, { version, history: [...(previous?.history ?? []), entry] });
  w.root.deliverableVersions = versions;
}

function runStarted(w: StateWriter, event: EventOf<'run.started'>, at: number): void {
  const existing = w.run(event.runId);
  w.putRun(
    runState({
      ...(existing ?? { id: event.runId, tasks: {}, taskOrder: [], deliverableIds: [], usage: zeroUsage() }),
      status: 'running',
      model: event.model,
      ...(event.teamHash !== undefined
        ? {
            team: {
              hash: event.teamHash,
              ...(event.workspaceId !== undefined ? { workspaceId: event.workspaceId } : {}),
              ...(event.workspaceVersion !== undefined ? { workspaceVersion: event.workspaceVersion } : {}),
            },
          }
        : {}),
      startedAt: at,
    }),
  );
  for (const planned of event.tasks) {
    const previous = w.task(event.runId, planned.id);
    const task = taskState({
      ...previous,
      id: planned.id,
      title: planned.title,
      skill: planned.skill,
      agent: planned.agent,
      dependsOn: planned.dependsOn,
      review: planned.review,
      status: previous?.status ?? 'todo',
      messageIds: previous?.messageIds ?? [],
    });
    w.putTask(event.runId, task);
    const cardId = taskCardId(event.runId, planned.id);
    const card = w.card(cardId);
    w.putCard(
      cardState({
        id: cardId,
        title: planned.title,
        status: task.status,
        assignee: { kind: 'agent', agent: planned.agent },
        runId: event.runId,
        taskId: planned.id,
        review: planned.review,
        comments: card?.comments ?? [],
      }),
    );
    // Lanes appear in plan order, before any agent starts.
    w.agent(planned.agent);
  }
}

/** The message's running digest; recomputed once for a state saved before digests existed. */
function runningDigest(message: MessageState): TextDigest {
  return message.digest?.length === message.text.length ? message.digest : digestText(message.text);
}

/** Creates a streaming message (from `message.started`, or from content that arrived without one). */
function startMessage(
  w: StateWriter,
  event: { runId: string; taskId: string; agent: string; messageId: string; offline?: boolean },
  offset: number,
): MessageState {
  const existing = w.message(event.messageId);
  if (existing) return existing;
  const message: MessageState = {
    id: event.messageId,
    runId: event.runId,
    taskId: event.taskId,
    agent: event.agent,
    text: '',
    status: 'streaming',
    offline: event.offline ?? false,
    startedAt: offset,
  };
  w.putMessage(message);
  const task = w.task(event.runId, event.taskId);
  if (task && !task.messageIds.includes(message.id)) {
    w.putTask(event.runId, taskState({ ...task, messageIds: [...task.messageIds, message.id] }));
  }
  return message;
}

/** Marks an agent idle if its lane still points at this task. */
function releaseLane(w: StateWriter, agent: string, runId: string, taskId: string): void {
  const lane = w.agent(agent);
  if (lane.status === 'working' && lane.runId === runId && lane.taskId === taskId) w.updateAgent(agent, { status: 'idle' });
}

function releaseTaskLane(w: StateWriter, runId: string, taskId: string): void {
  const task = w.task(runId, taskId);
  if (task) releaseLane(w, task.agent, runId, taskId);
}

function endRun(w: StateWriter, runId: string, change: Partial<RunState>): void {
  const run = w.run(runId);
  if (!run) return;
  w.putRun(runState({ ...run, ...change }));
  runGoesOn(w, runId, true);
  for (const name of w.root.agentOrder) {
    const lane = w.agent(name);
    if (lane.status === 'working' && lane.runId === runId) w.updateAgent(name, { status: 'idle' });
  }
}

/** Ends every message of the run that is still streaming, keeping the text it has so far. */
function stopStreaming(w: StateWriter, runId: string, status: MessageState['status']): void {
  for (const message of listMessages(w.root)) {
    if (message.runId === runId && message.status === 'streaming') w.putMessage({ ...message, status });
  }
}

function runCancelled(w: StateWriter, event: EventOf<'run.cancelled'>, at: number): void {
  const run = w.run(event.runId);
  if (!run) return;
  endRun(w, event.runId, { status: 'cancelled', endedAt: at, cancelledBy: event.by });
  stopStreaming(w, event.runId, 'cancelled');
  for (const taskId of run.taskOrder) {
    const task = w.task(event.runId, taskId);
    if (task && !FINISHED_TASK_STATUSES.has(task.status)) w.setTaskStatus(event.runId, taskId, 'cancelled');
  }
}

function moveReview(
  w: StateWriter,
  runId: string,
  taskId: string,
  from: (status: TaskStatus) => boolean,
  to: TaskStatus,
): void {
  const task = w.task(runId, taskId);
  if (task && from(task.status)) w.updateTask(runId, taskId, { status: to });
  const cardId = taskCardId(runId, taskId);
  const card = w.card(cardId);
  if (card && from(card.status)) w.updateCard(cardId, { status: to });
}

/** Records the decision on a task waiting for review (a decision on one that no longer waits changes nothing). */
function answerReview(
  w: StateWriter,
  event: EventOf<'review.approved'> | EventOf<'review.changes_requested'>,
  decision: 'approved' | 'changes_requested',
  offset: number,
): void {
  const task = w.task(event.runId, event.taskId);
  const waiting = decision === 'approved' ? task?.status === 'review' : task?.status === 'review' || task?.status === 'done';
  if (!task || !waiting) return;
  w.updateTask(event.runId, event.taskId, { reviewAnswer: { decision, by: event.by, offset, ...(event.answeredOn ? { answeredOn: event.answeredOn } : {}) } });
}

/**
 * A person takes a pending or running task: the agent's streaming message stops where it is and
 * its lane frees; the card is the person's. A take-over of a task that has moved on since (the
 * agent finished it just before) changes nothing, on every device alike.
 */
function taskTakenOver(w: StateWriter, event: EventOf<'task.taken_over'>, record: SessionRecord): void {
  const task = w.task(event.runId, event.taskId);
  if (!task || task.takenOver || (task.status !== 'todo' && task.status !== 'in_progress')) return;
  w.updateTask(event.runId, event.taskId, { takenOver: { by: event.by, at: record.at, offset: record.offset }, status: 'in_progress', stalled: undefined });
  const cardId = taskCardId(event.runId, event.taskId);
  if (w.card(cardId)) w.updateCard(cardId, { status: 'in_progress', assignee: assigneeOf(event.by), stalled: undefined });
  for (const message of listMessages(w.root)) {
    if (message.runId === event.runId && message.taskId === event.taskId && message.status === 'streaming') w.putMessage({ ...message, status: 'cancelled' });
  }
  releaseTaskLane(w, event.runId, event.taskId);
}

/**
 * The person gives the task back to its agent (it waits for the agent again) or finishes it (it
 * stays the person's until the run writes their text as its deliverable). Either starts a new round.
 */
function taskReturned(w: StateWriter, event: EventOf<'task.handed_back'> | EventOf<'task.marked_done'>, record: SessionRecord): void {
  const task = w.task(event.runId, event.taskId);
  if (!task?.takenOver) return;
  const step = { by: event.by, at: record.at, offset: record.offset };
  const round = (task.round ?? 0) + 1;
  const cardId = taskCardId(event.runId, event.taskId);
  if (event.type === 'task.marked_done') {
    w.updateTask(event.runId, event.taskId, { takenOver: undefined, doneBy: step, round });
    return;
  }
  w.updateTask(event.runId, event.taskId, { takenOver: undefined, handedBack: step, round, status: 'todo' });
  if (w.card(cardId)) w.updateCard(cardId, { status: 'todo', assignee: { kind: 'agent', agent: task.agent } });
}

function assigneeOf(actor: Actor): Assignee | undefined {
  if (actor.kind === 'human') return { kind: 'human', id: actor.id, ...(actor.name !== undefined ? { name: actor.name } : {}) };
  return actor.kind === 'agent' ? { kind: 'agent', agent: actor.agent } : undefined;
}

function addComment(w: StateWriter, cardId: string, comment: { by: EventOf<'card.commented'>['by']; text: string; at: number }): void {
  const card = w.card(cardId);
  if (card) w.putCard(cardState({ ...card, comments: [...card.comments, comment] }));
}
