import type { EventOf } from '../protocol/index.js';
import { isRunEnded } from '../protocol/run-ended.js';
import { runState } from './_entities.js';
import { taskCardId, type StateWriter } from './_state-writer.js';

/** `task.stalled`: marks a task in progress (and its card) as making no progress since `at - sinceMs`. */
export function taskStalled(w: StateWriter, event: EventOf<'task.stalled'>, at: number): void {
  const run = w.run(event.runId);
  const task = w.task(event.runId, event.taskId);
  // A stall only means something for a task still being worked on.
  if (!run || isRunEnded(run) || task?.status !== 'in_progress') return;
  const stalled = { since: Math.max(0, at - event.sinceMs), reason: event.reason };
  w.updateTask(event.runId, event.taskId, { stalled });
  w.updateCard(taskCardId(event.runId, event.taskId), { stalled });
}

/** Clears a task's stall, if it has one: it made progress, or it ended. Cheap when there is none (the text hot path). */
export function clearStall(w: StateWriter, runId: string, taskId: string): void {
  if (!w.task(runId, taskId)?.stalled) return;
  w.updateTask(runId, taskId, { stalled: undefined });
  w.updateCard(taskCardId(runId, taskId), { stalled: undefined });
}

/** `run.paused`: a run not yet ended is marked paused. */
export function runPaused(w: StateWriter, event: EventOf<'run.paused'>, at: number): void {
  const run = w.run(event.runId);
  if (!run || isRunEnded(run)) return;
  const paused = { since: at, reason: event.reason, ...(event.unwatchedMs !== undefined ? { unwatchedMs: event.unwatchedMs } : {}) };
  w.putRun(runState({ ...run, paused }));
}

/** `run.resumed`, or the run's end: it is no longer paused, and none of its tasks is stalled. */
export function runGoesOn(w: StateWriter, runId: string, ended: boolean): void {
  const run = w.run(runId);
  if (!run) return;
  if (run.paused) w.putRun(runState({ ...run, paused: undefined }));
  if (!ended) return;
  for (const taskId of run.taskOrder) clearStall(w, runId, taskId);
}
