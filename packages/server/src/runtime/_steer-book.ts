import type { EventOf, PlannedTask } from '@marketing-team/core';

/** A steer of this run, with the offset of its `steer.submitted` event. */
export interface RecordedSteer {
  offset: number;
  event: EventOf<'steer.submitted'>;
}

/** Whether a steer (or a scoped cancel) names this task: no scope means every task of the run. */
export function scopeMatches(scope: { taskId?: string | undefined; agent?: string | undefined } | undefined, task: PlannedTask): boolean {
  if (!scope || (scope.taskId === undefined && scope.agent === undefined)) return true;
  if (scope.taskId !== undefined) return scope.taskId === task.id;
  return scope.agent === task.agent;
}

/**
 * The steers of one run, in log order, and which task has already recorded which one with
 * `steer.applied`, so each application is recorded once per task.
 */
export class SteerBook {
  readonly #steers: RecordedSteer[] = [];
  readonly #applied = new Set<string>();

  /** Records a steer; a repeated offset (a control delivered twice) is ignored. */
  add(steer: RecordedSteer): boolean {
    if (this.#steers.some((known) => known.offset === steer.offset)) return false;
    this.#steers.push(steer);
    this.#steers.sort((a, b) => a.offset - b.offset);
    return true;
  }

  /** Every steer that applies to the task, oldest first. */
  forTask(task: PlannedTask): RecordedSteer[] {
    return this.#steers.filter((steer) => scopeMatches(steer.event.scope, task));
  }

  /** The task's steers not yet recorded as applied; marks them applied. */
  takeUnapplied(task: PlannedTask): RecordedSteer[] {
    return this.forTask(task).filter((steer) => {
      const key = `${steer.offset}\u0000${task.id}`;
      if (this.#applied.has(key)) return false;
      this.#applied.add(key);
      return true;
    });
  }
}
