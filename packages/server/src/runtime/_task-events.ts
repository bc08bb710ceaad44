import type { Actor, Deliverable, EventOf, ModelUsage, PlannedTask, RunError } from '@marketing-team/core';

type MessageStop = EventOf<'message.completed'>['stopReason'];

/**
 * Builds each event one task writes to the session log, so the fields every event of a task
 * carries (run, task, agent) are set in one place and the task's code reads as what it does.
 */
export class TaskEvents {
  readonly #run: string;
  readonly #task: PlannedTask;
  /** The task's round (see `task.taken_over`); 0 is left out of the events. */
  round = 0;

  constructor(runId: string, task: PlannedTask) {
    this.#run = runId;
    this.#task = task;
  }

  /** What every event of the task names. */
  #common() {
    return { runId: this.#run, taskId: this.#task.id, ...this.#round(), agent: this.#task.agent };
  }

  #round(): { round?: number } {
    return this.round > 0 ? { round: this.round } : {};
  }

  started(): EventOf<'task.started'> {
    return { type: 'task.started', ...this.#common() };
  }

  completed(deliverableId: string): EventOf<'task.completed'> {
    return { type: 'task.completed', ...this.#common(), deliverableId };
  }

  failed(error: RunError): EventOf<'task.failed'> {
    return { type: 'task.failed', ...this.#common(), error };
  }

  cancelled(by: Actor | undefined): EventOf<'task.cancelled'> {
    return { type: 'task.cancelled', runId: this.#run, taskId: this.#task.id, ...this.#round(), ...(by ? { by } : {}) };
  }

  blocked(reason: string): EventOf<'task.blocked'> {
    return { type: 'task.blocked', runId: this.#run, taskId: this.#task.id, reason: reason.slice(0, 1000) };
  }

  /** `by`: the person whose text it is (a task they finished), when not the agent. */
  deliverableCreated(deliverable: Deliverable, by?: Actor): EventOf<'deliverable.created'> {
    return { type: 'deliverable.created', runId: this.#run, taskId: this.#task.id, ...this.#round(), deliverable, ...(by ? { by } : {}) };
  }

  reviewRequested(deliverableId: string): EventOf<'review.requested'> {
    return { type: 'review.requested', runId: this.#run, taskId: this.#task.id, deliverableId };
  }

  steerApplied(steerOffset: number): EventOf<'steer.applied'> {
    return { type: 'steer.applied', ...this.#common(), steerOffset };
  }

  messageStarted(messageId: string, offline: boolean): EventOf<'message.started'> {
    return { type: 'message.started', ...this.#common(), messageId, offline };
  }

  textDelta(messageId: string, text: string): EventOf<'text.delta'> {
    return { type: 'text.delta', ...this.#common(), messageId, text };
  }

  messageCompleted(messageId: string, text: string, stopReason: MessageStop): EventOf<'message.completed'> {
    return { type: 'message.completed', ...this.#common(), messageId, text, stopReason };
  }

  /** The usage of one generation; a cost that is not a positive number is recorded as 0. */
  usage(usage: ModelUsage, costUsd: number): EventOf<'usage'> {
    return { type: 'usage', ...this.#common(), skill: this.#task.skill, ...usage, costUsd: Number.isFinite(costUsd) && costUsd > 0 ? costUsd : 0 };
  }

  stalled(sinceMs: number, reason: string): EventOf<'task.stalled'> {
    return { type: 'task.stalled', ...this.#common(), sinceMs, reason };
  }

  resumed(stalledMs: number): EventOf<'task.resumed'> {
    return { type: 'task.resumed', ...this.#common(), stalledMs };
  }
}

/** An unexpected error as the typed error a task records (`task.failed`). */
export function internalError(error: unknown): RunError {
  return { code: 'internal', message: (error instanceof Error ? error.message : String(error)).slice(0, 2000), retryable: false };
}
